using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>
/// The sample's one sign-in button in every browser: QR login on desktops (through the emulator's QR page), the
/// official account inside WeChat, one person by unionid whichever way they came, and the embedded QR code.
/// </summary>
public sealed partial class SampleQrConnectTests : IAsyncLifetime
{
    private readonly SampleFactory _factory = new();

    private WeChatEmulator Emulator => _factory.Services.GetRequiredService<WeChatEmulator>();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [InlineData(UserAgents.Chrome)]
    [InlineData(UserAgents.Edge)]
    [InlineData(UserAgents.Safari)]
    [InlineData(UserAgents.MobileSafari)]
    [InlineData(UserAgents.WeCom)]
    public async Task Outside_WeChat_an_anonymous_profile_visit_leads_to_the_exact_qrconnect_link(string userAgent)
    {
        var location = await ChallengeAsync(_factory.CreateDesktopBrowser(userAgent));

        Assert.StartsWith("http://localhost/wechat-emulator/connect/qrconnect?", location.ToString(), StringComparison.Ordinal);
        Assert.Matches(
            "^\\?appid=wxe2e2e2e2e2e2e2e2&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat-qrconnect&response_type=code&scope=snsapi_login&state=[A-Za-z0-9]{32}$",
            location.Query);
        Assert.Equal("#wechat_redirect", location.Fragment);
    }

    [Theory]
    [InlineData(UserAgents.WeChatIos)]
    [InlineData(UserAgents.WeChatAndroid)]
    public async Task Inside_WeChat_it_leads_to_the_official_accounts_authorize_link_as_before(string userAgent)
    {
        var location = await ChallengeAsync(_factory.CreateDesktopBrowser(userAgent));

        Assert.StartsWith("http://localhost/wechat-emulator/connect/oauth2/authorize?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_userinfo&state=", location.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configured_qrconnect_endpoint_and_website_app_are_used()
    {
        await using var factory = new SampleFactory();
        factory.Settings["Authentication:WeChatQrConnect:AppId"] = "wxweb1234567890ab";
        factory.Settings["Authentication:WeChatQrConnect:AppSecret"] = "website-secret";
        factory.Settings["Authentication:WeChatQrConnect:AuthorizationEndpoint"] = "https://open.weixin.qq.com/connect/qrconnect";
        factory.Settings["Authentication:WeChatQrConnect:BackchannelTimeout"] = "00:00:07";

        var location = await ChallengeAsync(factory.CreateDesktopBrowser());

        Assert.Matches(
            "^https://open\\.weixin\\.qq\\.com/connect/qrconnect\\?appid=wxweb1234567890ab&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat-qrconnect&response_type=code&scope=snsapi_login&state=[A-Za-z0-9]{32}#wechat_redirect$",
            location.ToString());
        var options = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<WeChatQrConnectOptions>>().Get(WeChatQrConnectDefaults.AuthenticationScheme);
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackchannelTimeout);
    }

    [Fact]
    public async Task A_QR_sign_in_shows_the_website_openid_unionid_and_nickname_and_api_me_says_website()
    {
        var browser = _factory.CreateDesktopBrowser();
        var xiaoMing = Emulator.Options.Users[0];

        var (url, html) = await ScanAsync(browser, await ChallengeAsync(browser), user: 0);

        Assert.Equal("/Profile", url.AbsolutePath);
        Assert.Equal(xiaoMing.WebsiteOpenId, SampleFactory.Element(html, "openid"));
        Assert.Equal(xiaoMing.UnionId, SampleFactory.Element(html, "unionid"));
        Assert.Equal(xiaoMing.Nickname, SampleFactory.Element(html, "nickname"));
        Assert.Contains("data-app=\"website\"", html, StringComparison.Ordinal);
        // The follower lookup is the official account's: it cannot be asked about the website's openid.
        Assert.Contains("不适用", SampleFactory.Element(html, "subscribe"), StringComparison.Ordinal);
        var me = await browser.GetFromJsonAsync<Dictionary<string, string>>("/api/me");
        Assert.Equal("website", me!["app"]);
        Assert.Equal(Emulator.Options.WebsiteAppId, me["appid"]);
        Assert.Equal(xiaoMing.WebsiteOpenId, me["openid"]);
    }

    [Fact]
    public async Task A_person_who_signs_in_both_ways_has_one_name_identifier_the_unionid()
    {
        var desktop = _factory.CreateDesktopBrowser();
        var phone = _factory.CreateBrowser();

        var (_, viaQr) = await ScanAsync(desktop, await ChallengeAsync(desktop), user: 0);
        var (_, viaWeChat) = await SampleFactory.ConsentAsync(phone, await SampleFactory.ChallengeAsync(phone), user: 0);

        Assert.Equal(Emulator.Options.Users[0].UnionId, NameIdentifier(viaQr));
        Assert.Equal(NameIdentifier(viaQr), NameIdentifier(viaWeChat));
        Assert.NotEqual(SampleFactory.Element(viaQr, "openid"), SampleFactory.Element(viaWeChat, "openid"));
        Assert.Equal("officialAccount", (await phone.GetFromJsonAsync<Dictionary<string, string>>("/api/me"))!["app"]);
    }

    [Fact]
    public async Task Refusing_on_the_phone_leaves_the_browser_on_WeChats_page_and_signs_no_one_in()
    {
        var browser = _factory.CreateDesktopBrowser();
        var qrConnect = await ChallengeAsync(browser);

        var refused = await browser.PostAsync(new Uri(qrConnect.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = qrConnect.Query, ["decision"] = "refuse" }));

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_WeChat_error_of_the_QR_sign_in_lands_on_the_friendly_page()
    {
        var browser = _factory.CreateDesktopBrowser();

        // The third test user's token exchange answers errcode -1.
        var (url, html) = await ScanAsync(browser, await ChallengeAsync(browser), user: 2);

        Assert.Equal("/Account/Failed", url.AbsolutePath);
        Assert.Contains(WebUtility.HtmlEncode(SampleFactory.FailureText(WeChatFailureKind.WeChatBusy)).Split(' ')[0], html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_QR_callback_signs_no_other_browser_in()
    {
        var browser = _factory.CreateDesktopBrowser();
        var qrConnect = await ChallengeAsync(browser);
        var confirmed = await ConfirmAsync(browser, qrConnect, user: 0);
        await SampleFactory.FollowAsync(browser, confirmed);

        var attacker = _factory.CreateDesktopBrowser();
        var (url, _) = await SampleFactory.FollowAsync(attacker, confirmed);

        Assert.Equal("/Account/Failed", url.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task The_embedded_QR_page_states_its_policy_and_its_configuration_comes_from_the_server()
    {
        var browser = _factory.CreateDesktopBrowser();

        var page = await browser.GetAsync("/Account/QrCode?returnUrl=%2FProfile");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        // In development wxLogin.js is the emulator's, on the app's own origin.
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-src 'self' https://open.weixin.qq.com", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("data-config=\"/signin-wechat-qrconnect/embedded?returnUrl=%2FProfile\"", html, StringComparison.Ordinal);

        using var config = JsonDocument.Parse(await browser.GetStringAsync("/signin-wechat-qrconnect/embedded?returnUrl=%2FProfile"));
        Assert.Equal("/wechat-emulator/connect/zh_CN/htmledition/js/wxLogin.js", config.RootElement.GetProperty("script").GetString());
        Assert.Equal("wxe2e2e2e2e2e2e2e2", config.RootElement.GetProperty("options").GetProperty("appid").GetString());
    }

    [Fact]
    public async Task The_embedded_QR_page_cannot_be_framed_by_another_site()
    {
        // A sign-in page under a policy of its own, which said everything but who may frame it: any site could (clickjacking).
        // X-Frame-Options for browsers that predate frame-ancestors.
        var page = await _factory.CreateDesktopBrowser().GetAsync("/Account/QrCode?returnUrl=%2FProfile");

        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task An_embedded_QR_sign_in_goes_through_the_emulators_framed_page_and_the_normal_callback()
    {
        var browser = _factory.CreateDesktopBrowser();
        using var config = JsonDocument.Parse(await browser.GetStringAsync("/signin-wechat-qrconnect/embedded?returnUrl=%2FProfile"));
        var options = config.RootElement.GetProperty("options");
        // The frame wxLogin.js opens (its link shape: no response_type, login_type=jssdk).
        var frame = new Uri("http://localhost/wechat-emulator/connect/qrconnect?appid=" + options.GetProperty("appid").GetString()
            + "&scope=snsapi_login&redirect_uri=" + options.GetProperty("redirect_uri").GetString() + "&state=" + options.GetProperty("state").GetString()
            + "&login_type=jssdk&self_redirect=false&styletype=&sizetype=&bgcolor=&rst=&style=black");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(frame)).StatusCode);

        var confirmed = await browser.PostAsync(new Uri(frame.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = frame.Query, ["decision"] = "allow", ["user"] = "0",
        }));
        // In the frame, the emulator answers a page that takes the top window to the callback.
        var top = TopLocation().Match(await confirmed.Content.ReadAsStringAsync());
        Assert.True(top.Success, "the framed page links the top window to the callback");
        var (url, html) = await SampleFactory.FollowAsync(browser, new Uri(WebUtility.HtmlDecode(top.Groups[1].Success ? top.Groups[1].Value : top.Groups[2].Value)));

        Assert.Equal("/Profile", url.AbsolutePath);
        Assert.Equal(Emulator.Options.Users[0].WebsiteOpenId, SampleFactory.Element(html, "openid"));
    }

    [Fact]
    public async Task The_embedded_configuration_is_rate_limited_like_the_challenge()
    {
        await using var factory = new SampleFactory();
        factory.Settings["SignInRateLimit:PermitsPerMinute"] = "2";
        var browser = factory.CreateDesktopBrowser();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await browser.GetAsync("/signin-wechat-qrconnect/embedded")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers);
    }

    [Fact]
    public async Task A_phone_browser_outside_WeChat_is_told_to_open_the_page_in_WeChat()
    {
        var home = await (await _factory.CreateDesktopBrowser(UserAgents.MobileSafari).GetAsync("/")).Content.ReadAsStringAsync();
        var desktop = await (await _factory.CreateDesktopBrowser().GetAsync("/")).Content.ReadAsStringAsync();

        Assert.Contains("id=\"open-in-wechat\"", home, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"open-in-wechat\"", desktop, StringComparison.Ordinal);
    }

    /// <summary>Opens /Profile anonymously and follows at most 5 redirects on the app's host to WeChat's page.</summary>
    private static async Task<Uri> ChallengeAsync(HttpClient browser)
    {
        var response = await browser.GetAsync("/Profile");
        for (var hops = 0; response.StatusCode == HttpStatusCode.Redirect && IsAppPage(response.Headers.Location!); hops++)
        {
            Assert.True(hops < 5, "more than 5 redirects on the app's host");
            response = await browser.GetAsync(response.Headers.Location);
        }

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    // A page of the app itself, not WeChat's (the emulator's pages are on the app's host, under /wechat-emulator).
    private static bool IsAppPage(Uri location)
        => !location.IsAbsoluteUri || (location.Host == "localhost" && !location.AbsolutePath.StartsWith("/wechat-emulator/", StringComparison.Ordinal));

    private static async Task<Uri> ConfirmAsync(HttpClient browser, Uri qrConnect, int user)
    {
        var page = await browser.GetAsync(qrConnect);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("WeChat Emulator 示例网站", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var confirmed = await browser.PostAsync(new Uri(qrConnect.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = qrConnect.Query, ["decision"] = "allow", ["user"] = user.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        return confirmed.Headers.Location!;
    }

    private static async Task<(Uri Url, string Html)> ScanAsync(HttpClient browser, Uri qrConnect, int user)
        => await SampleFactory.FollowAsync(browser, await ConfirmAsync(browser, qrConnect, user));

    private static string? NameIdentifier(string html)
        => NameIdentifierRow().Match(html) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex("nameidentifier</td><td>([^<]*)</td>")]
    private static partial Regex NameIdentifierRow();

    [GeneratedRegex("<a [^>]*href=\"([^\"]+)\"[^>]*target=\"_top\"|<a [^>]*target=\"_top\"[^>]*href=\"([^\"]+)\"")]
    private static partial Regex TopLocation();
}
