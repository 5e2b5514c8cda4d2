using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>
/// The emulated website app (网站应用) through HTTP against the sample: the QR login page <c>connect/qrconnect</c> in
/// its two shapes (the documented link and wxLogin.js's), its checks, confirming and refusing, the website's codes and
/// tokens on the sns APIs, and the wxLogin.js stand-in.
/// </summary>
public sealed class EmulatorQrConnectTests : IAsyncLifetime
{
    private const string WebsiteAppId = "wxe2e2e2e2e2e2e2e2";
    private const string WebsiteSecret = "website-secret-0123456789";
    private const string OfficialAccountAppId = "wxe0e0e0e0e0e0e0e0";
    private const string OfficialAccountSecret = "official-account-secret-0123456789";
    private const string MiniProgramAppId = "wxe1e1e1e1e1e1e1e1";
    private const string MiniProgramSecret = "mini-program-secret-0123456789";
    private const string QrConnect = "/wechat-emulator/connect/qrconnect";

    // The test server's origin: the app the emulator serves, so the one origin it sends codes to.
    private const string Callback = "http://localhost/signin-wechat-qr";

    private readonly SampleFactory _factory = new();

    public EmulatorQrConnectTests()
    {
        _factory.Settings["WeChatEmulator:AppSecret"] = OfficialAccountSecret;
        _factory.Settings["WeChatEmulator:MiniProgramAppSecret"] = MiniProgramSecret;
        _factory.Settings["WeChatEmulator:WebsiteAppSecret"] = WebsiteSecret;
    }

    // Made on first use, so that a test can change the settings first.
    private HttpClient Client => field ??= _factory.CreateBrowser();

    private WeChatEmulator Emulator => _factory.Services.GetRequiredService<WeChatEmulator>();

    private WeChatEmulatorUser XiaoMing => Emulator.Options.Users[0];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [InlineData("")]
    [InlineData("&lang=cn")]
    [InlineData("&lang=en")]
    public async Task The_documented_link_shows_the_QR_page_with_the_website_and_every_test_user_and_cannot_be_framed(string lang)
    {
        var page = await Client.GetAsync(QrConnect + FullQuery() + lang);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("WeChat Emulator 示例网站", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"qr\"", html, StringComparison.Ordinal);
        Assert.Equal(Emulator.Options.Users.Select(u => u.Nickname), Nicknames(html));
        foreach (var user in Emulator.Options.Users)
        {
            Assert.Contains(user.Description!, html, StringComparison.Ordinal);
        }

        Assert.Contains("扫码并确认 / Scan and confirm as", html, StringComparison.Ordinal);
        Assert.Contains("拒绝 / Refuse", html, StringComparison.Ordinal);
        // A whole page is nobody's to frame.
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(lang == "&lang=en" ? "en" : "zh-CN", Regex.Match(html, "<html lang=\"([^\"]*)\"").Groups[1].Value);
    }

    public static TheoryData<string, string> WrongLinks => new()
    {
        // Out of WeChat's order (wxLogin.js's order without login_type is not the documented one either).
        { $"?appid={WebsiteAppId}&scope=snsapi_login&redirect_uri={Encode(Callback)}&response_type=code&state=abc123", "参数错误：登录链接的参数必须依次为" },
        { $"?appid={WebsiteAppId}&redirect_uri={Encode(Callback)}&response_type=code&scope=snsapi_login&state=abc123&lang=fr", "参数错误：登录链接的参数必须依次为" },
        { $"?appid={WebsiteAppId}&redirect_uri={Encode(Callback)}&response_type=code&scope=snsapi_login&state=abc123&connect_redirect=1", "参数错误：登录链接的参数必须依次为" },
        { $"?appid={WebsiteAppId}&redirect_uri={Encode(Callback)}&response_type=code&scope=snsapi_login", "参数错误：登录链接的参数必须依次为" },
        { $"?appid={WebsiteAppId}&scope=snsapi_login&redirect_uri={Encode(Callback)}&state=abc123&self_redirect=true&login_type=jssdk", "参数错误：wxLogin.js 的链接参数必须依次为" },
        { $"?appid={WebsiteAppId}&scope=snsapi_login&redirect_uri={Encode(Callback)}&state=abc123&login_type=jssdk&self_redirect=yes", "参数错误：wxLogin.js 的链接参数必须依次为" },
        // redirect_uri not URL-encoded, as a caller of wxLogin.js may forget: its query breaks the link.
        { $"?appid={WebsiteAppId}&scope=snsapi_login&redirect_uri={Callback}?a=1&b=2&state=abc123&login_type=jssdk&self_redirect=default", "参数错误：wxLogin.js 的链接参数必须依次为" },
        // Another app's AppID: the official account's and the mini-program's are no website's.
        { FullQuery(appId: OfficialAccountAppId), "appid 不是网站应用" },
        { FullQuery(appId: MiniProgramAppId), "appid 不是网站应用" },
        { JsQuery(appId: OfficialAccountAppId), "appid 不是网站应用" },
        { FullQuery(appId: "wx0000000000000000"), "appid 无效" },
        { FullQuery(appId: ""), "10012 appid不能为空" },
        // The website has snsapi_login only.
        { FullQuery(scope: "snsapi_userinfo"), "Scope 参数错误或没有 Scope 权限" },
        { FullQuery(scope: "snsapi_base"), "Scope 参数错误或没有 Scope 权限" },
        { FullQuery(scope: Encode("snsapi_login,snsapi_userinfo")), "Scope 参数错误或没有 Scope 权限" },
        { FullQuery(scope: "snsapi_login,snsapi_userinfo"), "Scope 参数错误或没有 Scope 权限" },
        { JsQuery(scope: "snsapi_userinfo"), "Scope 参数错误或没有 Scope 权限" },
        { FullQuery(scope: ""), "10010 scope不能为空" },
        { FullQuery(responseType: "token"), "response_type 必须为 code" },
        { FullQuery(state: new string('a', 129)), "state参数过长或含有非法字符" },
        { FullQuery(state: "abc-123"), "state参数过长或含有非法字符" },
        { FullQuery(state: Encode("a b")), "state参数过长或含有非法字符" },
        { JsQuery(state: new string('a', 129)), "state参数过长或含有非法字符" },
        // Codes go to the app's own origin only.
        { FullQuery(redirectUri: Encode("https://evil.example/signin-wechat-qr")), "redirect_uri域名与后台配置不一致" },
        { FullQuery(redirectUri: Encode("http://localhost.evil.example/signin-wechat-qr")), "redirect_uri域名与后台配置不一致" },
        { FullQuery(redirectUri: Encode("https://localhost/signin-wechat-qr")), "redirect_uri域名与后台配置不一致" },
        { FullQuery(redirectUri: Encode("javascript:alert(1)")), "redirect_uri域名与后台配置不一致" },
        { JsQuery(redirectUri: Encode("https://evil.example/signin-wechat-qr")), "redirect_uri域名与后台配置不一致" },
        { FullQuery(redirectUri: Encode("/signin-wechat-qr")), "10003 redirect_uri" },
        { FullQuery(redirectUri: ""), "10011 redirect_uri不能为空" },
    };

    [Theory]
    [MemberData(nameof(WrongLinks))]
    public async Task A_wrong_link_gets_the_cannot_open_page_with_the_reason_and_no_redirect(string query, string reason)
    {
        var page = await Client.GetAsync(QrConnect + query);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Null(page.Headers.Location);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("该链接无法访问", html, StringComparison.Ordinal);
        Assert.Contains(reason, html, StringComparison.Ordinal);
        Assert.DoesNotContain("扫码并确认", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_link_posted_back_is_refused_and_issues_no_code()
    {
        var answer = await ConfirmAsync(FullQuery(appId: OfficialAccountAppId), user: 0);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Contains("appid 不是网站应用", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_strict_order_any_order_passes_but_every_other_rule_still_holds()
    {
        _factory.Settings["WeChatEmulator:StrictParameterOrder"] = "false";

        var shuffled = await Client.GetAsync($"{QrConnect}?state=abc123&scope=snsapi_login&response_type=code&redirect_uri={Encode(Callback)}&appid={WebsiteAppId}");
        var userinfoScope = await Client.GetAsync($"{QrConnect}?state=abc123&scope=snsapi_userinfo&response_type=code&redirect_uri={Encode(Callback)}&appid={WebsiteAppId}");

        Assert.Equal(HttpStatusCode.OK, shuffled.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, userinfoScope.StatusCode);
    }

    public static TheoryData<string> WxLoginLinks => new()
    {
        // What today's wxLogin.js builds, with and without its optional parameters.
        JsQuery(),
        JsQuery(selfRedirect: "true"),
        JsQuery(selfRedirect: "false") + "&style=white",
        JsQuery() + "&style=black&href=" + Encode("data:text/css;base64,LmltcG93ZXJCb3ggLnFyY29kZSB7d2lkdGg6IDIwMHB4O30=") + "&lang=en",
        JsQuery() + "&href=https://cdn.example/wxlogin.css&lang=en&stylelite=1&fast_login=0",
        // Older copies of the script stop at self_redirect, and may send an empty state.
        $"?appid={WebsiteAppId}&scope=snsapi_login&redirect_uri={Encode(Callback)}&state=&login_type=jssdk&self_redirect=default",
    };

    [Theory]
    [MemberData(nameof(WxLoginLinks))]
    public async Task The_wxLogin_link_shows_the_QR_page_framable_by_the_apps_own_origin_only(string query)
    {
        var page = await Client.GetAsync(QrConnect + query);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("frame-ancestors 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(page.Headers.Contains("X-Frame-Options"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<body class=\"embedded", html, StringComparison.Ordinal);
        Assert.Equal(Emulator.Options.Users.Select(u => u.Nickname), Nicknames(html));
        // style=white is for a dark page behind the iframe; an external style sheet (href) is never loaded.
        Assert.Equal(query.Contains("style=white", StringComparison.Ordinal), html.Contains("<body class=\"embedded white\"", StringComparison.Ordinal));
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" src=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_standalone_emulator_lets_the_hosts_it_sends_codes_to_frame_the_page_and_no_host_extend_the_policy()
    {
        var (app, address) = await KestrelHosts.StartStandaloneEmulatorAsync(o => o.RedirectDomains.Add("evil.example; script-src *"));
        await using var host = app;
        using var client = new HttpClient { BaseAddress = address };

        var page = await client.GetAsync("/connect/qrconnect" + JsQuery(redirectUri: Encode("https://app.example/signin-wechat-qr")));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(
            "frame-ancestors 'self' http://127.0.0.1:* https://127.0.0.1:* http://localhost:* https://localhost:* http://app.example:* https://app.example:*",
            page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task The_page_HTML_encodes_a_hostile_website_name_user_and_href_and_its_policy_allows_its_own_style_only()
    {
        _factory.Settings["WeChatEmulator:WebsiteName"] = "我的<网站>";
        _factory.Settings["WeChatEmulator:Users:0:OpenId"] = "oEmu_Script";
        _factory.Settings["WeChatEmulator:Users:0:Nickname"] = "<script>alert(1)</script>";
        _factory.Settings["WeChatEmulator:Users:0:Description"] = "\"><img src=x onerror=alert(2)>";

        var page = await Client.GetAsync(QrConnect + JsQuery() + "&href=\"><style>body{display:none}</style>");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("<网站>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"><style>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(
            $"default-src 'none'; style-src 'sha256-{Sha256(style)}'; base-uri 'none'",
            WebUtility.HtmlDecode(Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\"").Groups[1].Value));
        Assert.Single(Regex.Matches(html, "<style>"));
    }

    [Theory]
    [InlineData(Callback, "?")]
    [InlineData(Callback + "?returnUrl=%2FProfile%3Fa%3D1", "&")]
    public async Task Confirming_sends_the_browser_to_redirect_uri_with_a_code_and_the_state(string redirectUri, string separator)
    {
        var answer = await ConfirmAsync(FullQuery(redirectUri: Encode(redirectUri)), user: 0);

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var location = answer.Headers.Location!.OriginalString;
        Assert.Matches("^" + Regex.Escape(redirectUri + separator) + "code=[0-9a-f]{32}&state=abc123$", location);
        Assert.True(Emulator.TryGetCodeUser(Query(location)["code"], out var user));
        Assert.Equal(XiaoMing.OpenId, user.OpenId);
    }

    [Fact]
    public async Task Confirming_as_another_user_issues_that_users_code_and_a_bad_user_index_none()
    {
        var liLei = await ConfirmAsync(FullQuery(), user: 1);
        var outOfRange = await ConfirmAsync(FullQuery(), user: Emulator.Options.Users.Count);
        var negative = await ConfirmAsync(FullQuery(), user: -1);

        Assert.True(Emulator.TryGetCodeUser(Query(liLei.Headers.Location!.OriginalString)["code"], out var user));
        Assert.Equal(Emulator.Options.Users[1].OpenId, user.OpenId);
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Null(outOfRange.Headers.Location);
    }

    [Fact]
    public async Task A_website_code_exchanges_once_for_the_website_openid_the_unionid_and_snsapi_login()
    {
        var code = await ScanAsync(user: 0);

        var first = await Client.GetAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code));
        Assert.Equal("text/plain", first.Content.Headers.ContentType!.MediaType);
        using (var token = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            var openId = token.RootElement.GetProperty("openid").GetString()!;
            Assert.Equal(XiaoMing.WebsiteOpenId, openId);
            Assert.Matches("^oWb[A-Za-z0-9_-]{25}$", openId);
            Assert.NotEqual(XiaoMing.OpenId, openId);
            Assert.NotEqual(XiaoMing.MiniProgramOpenId, openId);
            Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", token.RootElement.GetProperty("unionid").GetString());
            Assert.Equal("snsapi_login", token.RootElement.GetProperty("scope").GetString());
            Assert.Equal(7200, token.RootElement.GetProperty("expires_in").GetInt32());
        }

        var second = await Client.GetAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(40163, await ErrcodeAsync(second));
    }

    [Fact]
    public async Task A_user_without_unionid_gets_none_from_the_website_either()
    {
        var code = await ScanAsync(user: 1);

        using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code)));

        Assert.Equal(Emulator.Options.Users[1].WebsiteOpenId, token.RootElement.GetProperty("openid").GetString());
        Assert.False(token.RootElement.TryGetProperty("unionid", out _));
    }

    [Fact]
    public async Task A_code_belongs_to_its_app_another_apps_AppID_gets_40029_and_leaves_it_unspent()
    {
        var websiteCode = await ScanAsync(user: 0);
        var officialAccountCode = Emulator.IssueCode(XiaoMing, "snsapi_userinfo");

        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(TokenUrl(OfficialAccountAppId, OfficialAccountSecret, websiteCode))));
        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(TokenUrl(WebsiteAppId, WebsiteSecret, officialAccountCode))));

        Assert.Equal(XiaoMing.WebsiteOpenId, await OpenIdAsync(TokenUrl(WebsiteAppId, WebsiteSecret, websiteCode)));
        Assert.Equal(XiaoMing.OpenId, await OpenIdAsync(TokenUrl(OfficialAccountAppId, OfficialAccountSecret, officialAccountCode)));
        // Spent by its own app, it is still unknown to the other one (not "used").
        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(TokenUrl(OfficialAccountAppId, OfficialAccountSecret, websiteCode))));
        Assert.Equal(40163, await ErrcodeAsync(await Client.GetAsync(TokenUrl(WebsiteAppId, WebsiteSecret, websiteCode))));
    }

    [Theory]
    [InlineData(WebsiteAppId, OfficialAccountSecret, 40125)]
    [InlineData(WebsiteAppId, MiniProgramSecret, 40125)]
    [InlineData(WebsiteAppId, "wrong", 40125)]
    [InlineData(WebsiteAppId, "", 41004)]
    [InlineData(OfficialAccountAppId, WebsiteSecret, 40125)]
    [InlineData(MiniProgramAppId, MiniProgramSecret, 40013)]
    public async Task Each_app_has_its_own_secret_and_the_mini_program_has_no_web_sign_in(string appId, string secret, int errcode)
    {
        var code = await ScanAsync(user: 0);

        var answer = await Client.GetAsync(TokenUrl(appId, secret, code));

        Assert.Equal(errcode, await ErrcodeAsync(answer));
        // Refused before the code was looked at: it still works.
        Assert.Equal(XiaoMing.WebsiteOpenId, await OpenIdAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code)));
    }

    [Fact]
    public async Task The_website_app_has_no_global_token()
    {
        var classic = await Client.GetAsync($"/wechat-emulator/cgi-bin/token?grant_type=client_credential&appid={WebsiteAppId}&secret={WebsiteSecret}");
        var stable = await Client.PostAsync("/wechat-emulator/cgi-bin/stable_token", new StringContent(
            $$"""{"grant_type":"client_credential","appid":"{{WebsiteAppId}}","secret":"{{WebsiteSecret}}"}""", Encoding.UTF8, "application/json"));
        var official = await Client.GetAsync($"/wechat-emulator/cgi-bin/token?grant_type=client_credential&appid={OfficialAccountAppId}&secret={OfficialAccountSecret}");

        Assert.Equal(40013, await ErrcodeAsync(classic));
        Assert.Equal(40013, await ErrcodeAsync(stable));
        using var token = JsonDocument.Parse(await official.Content.ReadAsStringAsync());
        Assert.True(token.RootElement.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Userinfo_answers_the_website_openid_and_the_unionid_the_official_account_gives_the_same_user()
    {
        var (websiteToken, websiteOpenId) = await TokenAsync(WebsiteAppId, WebsiteSecret, await ScanAsync(user: 0));
        var (officialToken, officialOpenId) = await TokenAsync(OfficialAccountAppId, OfficialAccountSecret, Emulator.IssueCode(XiaoMing, "snsapi_userinfo", "http://localhost/wechat-emulator"));

        using var website = JsonDocument.Parse(await Client.GetStringAsync(UserInfoUrl(websiteToken, websiteOpenId)));
        using var official = JsonDocument.Parse(await Client.GetStringAsync(UserInfoUrl(officialToken, officialOpenId)));

        Assert.Equal(XiaoMing.WebsiteOpenId, website.RootElement.GetProperty("openid").GetString());
        Assert.Equal(XiaoMing.OpenId, official.RootElement.GetProperty("openid").GetString());
        Assert.Equal(official.RootElement.GetProperty("unionid").GetString(), website.RootElement.GetProperty("unionid").GetString());
        Assert.Equal("小明 😀", website.RootElement.GetProperty("nickname").GetString());
        Assert.Equal(0, website.RootElement.GetProperty("sex").GetInt32());
        Assert.Equal("http://localhost/wechat-emulator/mmopen/" + Uri.EscapeDataString(XiaoMing.OpenId) + "/132", website.RootElement.GetProperty("headimgurl").GetString());
        // A website token is not the official account's user's.
        Assert.Equal(40003, await ErrcodeAsync(await Client.GetAsync(UserInfoUrl(websiteToken, officialOpenId))));
    }

    [Fact]
    public async Task Refresh_and_auth_work_for_website_tokens_with_the_website_appid_only()
    {
        var code = await ScanAsync(user: 0);
        using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code)));
        var accessToken = token.RootElement.GetProperty("access_token").GetString()!;
        var refreshToken = token.RootElement.GetProperty("refresh_token").GetString()!;

        Assert.Equal(0, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/sns/auth?access_token={Encode(accessToken)}&openid={XiaoMing.WebsiteOpenId}")));
        Assert.Equal(40003, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/sns/auth?access_token={Encode(accessToken)}&openid={XiaoMing.OpenId}")));

        Assert.Equal(40030, await ErrcodeAsync(await Client.GetAsync(RefreshUrl(OfficialAccountAppId, refreshToken))));
        Assert.Equal(40013, await ErrcodeAsync(await Client.GetAsync(RefreshUrl(MiniProgramAppId, refreshToken))));
        using var refreshed = JsonDocument.Parse(await Client.GetStringAsync(RefreshUrl(WebsiteAppId, refreshToken)));
        Assert.Equal(accessToken, refreshed.RootElement.GetProperty("access_token").GetString());
        Assert.Equal(XiaoMing.WebsiteOpenId, refreshed.RootElement.GetProperty("openid").GetString());
        Assert.Equal("snsapi_login", refreshed.RootElement.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task An_official_account_refresh_token_is_unknown_to_the_website()
    {
        using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(OfficialAccountAppId, OfficialAccountSecret, Emulator.IssueCode(XiaoMing, "snsapi_userinfo"))));
        var refreshToken = token.RootElement.GetProperty("refresh_token").GetString()!;

        Assert.Equal(40030, await ErrcodeAsync(await Client.GetAsync(RefreshUrl(WebsiteAppId, refreshToken))));
        using var refreshed = JsonDocument.Parse(await Client.GetStringAsync(RefreshUrl(OfficialAccountAppId, refreshToken)));
        Assert.Equal(XiaoMing.OpenId, refreshed.RootElement.GetProperty("openid").GetString());
    }

    [Fact]
    public async Task Refusing_does_not_redirect_and_the_page_says_the_user_refused_on_the_phone()
    {
        var answer = await RefuseAsync(FullQuery());

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Equal("已在手机上拒绝 / Refused on the phone", SampleFactory.Element(html, "refused"));
        // "Scan again" is the same link on the same path.
        Assert.Equal(FullQuery(), WebUtility.HtmlDecode(Regex.Match(html, "<a id=\"again\" href=\"([^\"]*)\"").Groups[1].Value));
        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task With_QrConnectRefusalRedirects_refusing_sends_the_browser_back_with_the_state_only()
    {
        _factory.Settings["WeChatEmulator:QrConnectRefusalRedirects"] = "true";

        var answer = await RefuseAsync(FullQuery());

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal(Callback + "?state=abc123", answer.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("default")]
    public async Task In_wxLogins_iframe_confirming_answers_a_page_that_takes_the_top_window_to_the_callback(string selfRedirect)
    {
        var redirectUri = Callback + "?returnUrl=%2FProfile";

        var answer = await ConfirmAsync(JsQuery(redirectUri: Encode(redirectUri), selfRedirect: selfRedirect), user: 0);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Equal("frame-ancestors 'self'", answer.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(answer.Headers.Contains("X-Frame-Options"));
        var html = await answer.Content.ReadAsStringAsync();
        var link = Regex.Match(html, "<a id=\"callback\" target=\"_top\" href=\"([^\"]*)\">");
        Assert.True(link.Success, html);
        // HTML-encoded in the page: the raw & of the query is &amp;.
        Assert.Contains("returnUrl=%2FProfile&amp;code=", link.Groups[1].Value, StringComparison.Ordinal);
        var callback = WebUtility.HtmlDecode(link.Groups[1].Value);
        Assert.Matches("^" + Regex.Escape(redirectUri) + "&code=[0-9a-f]{32}&state=abc123$", callback);
        Assert.True(Emulator.TryGetCodeUser(Query(callback)["code"], out _));

        // The script reads the link (it has no URL of its own), and the page's policy allows that script only.
        var script = Regex.Match(html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal("window.top.location.href = document.getElementById('callback').href;", script);
        Assert.Single(Regex.Matches(html, "<script"));
        var policy = WebUtility.HtmlDecode(Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\"").Groups[1].Value);
        Assert.Contains($"script-src 'sha256-{Sha256(script)}';", policy, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none';", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_wxLogins_iframe_with_self_redirect_confirming_redirects_the_iframe_itself()
    {
        var answer = await ConfirmAsync(JsQuery(selfRedirect: "true"), user: 0);

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Matches("^" + Regex.Escape(Callback) + "\\?code=[0-9a-f]{32}&state=abc123$", answer.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task In_wxLogins_iframe_a_refusal_and_a_wrong_link_are_shown_in_the_iframe()
    {
        var refused = await RefuseAsync(JsQuery());
        var wrong = await Client.GetAsync(QrConnect + JsQuery(scope: "snsapi_userinfo"));

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        Assert.Equal("frame-ancestors 'self'", refused.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("已在手机上拒绝", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("frame-ancestors 'self'", wrong.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task In_wxLogins_iframe_with_QrConnectRefusalRedirects_a_refusal_takes_the_top_window_back_with_the_state_only()
    {
        _factory.Settings["WeChatEmulator:QrConnectRefusalRedirects"] = "true";

        var html = await (await RefuseAsync(JsQuery())).Content.ReadAsStringAsync();

        Assert.Equal(Callback + "?state=abc123", WebUtility.HtmlDecode(Regex.Match(html, "<a id=\"callback\" target=\"_top\" href=\"([^\"]*)\">").Groups[1].Value));
    }

    [Fact]
    public async Task Website_codes_live_ten_minutes()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        _factory.ConfigureTestServices = services => services.AddSingleton<TimeProvider>(time);
        var early = await ScanAsync(user: 0);
        var late = await ScanAsync(user: 0);
        var officialAccountCode = Emulator.IssueCode(XiaoMing, "snsapi_userinfo");

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(XiaoMing.WebsiteOpenId, await OpenIdAsync(TokenUrl(WebsiteAppId, WebsiteSecret, early)));
        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(TokenUrl(OfficialAccountAppId, OfficialAccountSecret, officialAccountCode))));
        time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1));
        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(TokenUrl(WebsiteAppId, WebsiteSecret, late))));
    }

    [Fact]
    public async Task With_a_distinct_user_per_code_each_website_code_is_a_new_user_with_a_website_openid_of_their_own()
    {
        _factory.Settings["WeChatEmulator:DistinctUserPerCode"] = "true";

        var openIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var code = await ScanAsync(user: 0);
            Assert.True(Emulator.TryGetCodeUser(code, out var issuedTo));
            using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code)));
            Assert.Equal(issuedTo.WebsiteOpenId, token.RootElement.GetProperty("openid").GetString());
            Assert.Equal(issuedTo.UnionId, token.RootElement.GetProperty("unionid").GetString());
            openIds.Add(issuedTo.WebsiteOpenId);
        }

        Assert.Equal(3, openIds.Distinct().Count());
        Assert.DoesNotContain(XiaoMing.WebsiteOpenId, openIds);
    }

    [Fact]
    public async Task IssueWebsiteCode_gives_a_code_of_the_website_app()
    {
        var code = Emulator.IssueWebsiteCode(XiaoMing);

        using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(WebsiteAppId, WebsiteSecret, code)));

        Assert.Equal(XiaoMing.WebsiteOpenId, token.RootElement.GetProperty("openid").GetString());
        Assert.Equal("snsapi_login", token.RootElement.GetProperty("scope").GetString());
    }

    [Fact]
    public void A_configured_website_openid_is_kept_and_a_derived_one_is_stable_and_the_apps()
    {
        var derived = new WeChatEmulatorUser { OpenId = "oEmu_Someone" };
        var configured = new WeChatEmulatorUser { OpenId = "oEmu_Someone", WebsiteOpenId = "oWb_configured" };

        Assert.Equal(new WeChatEmulatorUser { OpenId = "oEmu_Someone" }.WebsiteOpenId, derived.WebsiteOpenId);
        Assert.NotEqual(new WeChatEmulatorUser { OpenId = "oEmu_Other" }.WebsiteOpenId, derived.WebsiteOpenId);
        Assert.Equal(28, derived.WebsiteOpenId.Length);
        Assert.Equal("oWb_configured", configured.WebsiteOpenId);
    }

    [Fact]
    public async Task WxLogin_js_is_served_as_javascript_and_builds_the_link_of_WeChats_script()
    {
        var answer = await Client.GetAsync("/wechat-emulator/connect/zh_CN/htmledition/js/wxLogin.js");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("text/javascript", answer.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", answer.Content.Headers.ContentType.CharSet);
        Assert.True(answer.Headers.CacheControl!.Public);
        Assert.InRange(answer.Headers.CacheControl.MaxAge!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var script = await answer.Content.ReadAsStringAsync();
        Assert.Contains("window.WxLogin = function (options)", script, StringComparison.Ordinal);
        Assert.Contains("document.currentScript", script, StringComparison.Ordinal);
        // WeChat's script's parameters, in its order (the QR page checks that order).
        var parts = new[]
        {
            "'/connect/qrconnect?appid=' + options.appid", "'&scope=' + options.scope", "'&redirect_uri=' + options.redirect_uri",
            "'&state=' + options.state", "'&login_type=jssdk&self_redirect=' + selfRedirect", "'&styletype='", "'&sizetype='", "'&bgcolor='",
            "'&rst='", "'&style=' + options.style", "'&href=' + options.href", "'&lang=en'",
        };
        var at = 0;
        foreach (var part in parts)
        {
            var next = script.IndexOf(part, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{part}' is missing, or out of order");
            at = next + part.Length;
        }

        Assert.Contains("options.self_redirect === true ? 'true' : options.self_redirect === false ? 'false' : 'default'", script, StringComparison.Ordinal);
        Assert.Contains("'allow-scripts allow-top-navigation allow-same-origin allow-forms'", script, StringComparison.Ordinal);
        Assert.Contains("'local-network-access'", script, StringComparison.Ordinal);
        // It loads nothing: the only address in it is WeChat's, in its opening comment.
        Assert.DoesNotMatch("(?i)https?://", string.Join('\n', script.Split('\n').Skip(1)));
    }

    private static string Encode(string value) => Uri.EscapeDataString(value);

    private static string FullQuery(string appId = WebsiteAppId, string? redirectUri = null, string responseType = "code", string scope = "snsapi_login", string state = "abc123")
        => $"?appid={appId}&redirect_uri={redirectUri ?? Encode(Callback)}&response_type={responseType}&scope={scope}&state={state}";

    private static string JsQuery(string appId = WebsiteAppId, string? redirectUri = null, string scope = "snsapi_login", string state = "abc123", string selfRedirect = "default")
        => $"?appid={appId}&scope={scope}&redirect_uri={redirectUri ?? Encode(Callback)}&state={state}&login_type=jssdk&self_redirect={selfRedirect}&styletype=&sizetype=&bgcolor=&rst=";

    private static List<string> Nicknames(string html)
        => Regex.Matches(html, "<strong class=\"nickname\">([^<]*)</strong>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    private Task<HttpResponseMessage> ConfirmAsync(string query, int user)
        => Client.PostAsync(QrConnect, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query, ["decision"] = "allow", ["user"] = user.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

    private Task<HttpResponseMessage> RefuseAsync(string query)
        => Client.PostAsync(QrConnect, new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = query, ["decision"] = "refuse" }));

    /// <summary>Opens the QR page and answers it as the page's form does for a user; returns the code.</summary>
    private async Task<string> ScanAsync(int user)
    {
        var page = await Client.GetStringAsync(QrConnect + FullQuery());
        var form = Regex.Matches(page, "<form method=\"post\">(.*?)</form>", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Single(f => f.Contains($"name=\"user\" value=\"{user}\"", StringComparison.Ordinal));
        var fields = Regex.Matches(form, "<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")
            .ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["user"] = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("allow", fields["decision"]);

        var answer = await Client.PostAsync(QrConnect, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        return Query(answer.Headers.Location!.OriginalString)["code"];
    }

    private static string TokenUrl(string appId, string secret, string code)
        => $"/wechat-emulator/sns/oauth2/access_token?appid={appId}&secret={secret}&code={code}&grant_type=authorization_code";

    private static string RefreshUrl(string appId, string refreshToken)
        => $"/wechat-emulator/sns/oauth2/refresh_token?appid={appId}&grant_type=refresh_token&refresh_token={Encode(refreshToken)}";

    private static string UserInfoUrl(string accessToken, string openId)
        => $"/wechat-emulator/sns/userinfo?access_token={Encode(accessToken)}&openid={openId}&lang=zh_CN";

    private async Task<(string AccessToken, string OpenId)> TokenAsync(string appId, string secret, string code)
    {
        using var token = JsonDocument.Parse(await Client.GetStringAsync(TokenUrl(appId, secret, code)));
        return (token.RootElement.GetProperty("access_token").GetString()!, token.RootElement.GetProperty("openid").GetString()!);
    }

    private async Task<string> OpenIdAsync(string tokenUrl)
    {
        using var token = JsonDocument.Parse(await Client.GetStringAsync(tokenUrl));
        return token.RootElement.TryGetProperty("openid", out var openId) ? openId.GetString()! : token.RootElement.ToString();
    }

    private static async Task<int> ErrcodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errcode").GetInt32();
    }

    private static Dictionary<string, string> Query(string url)
        => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(url).Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
