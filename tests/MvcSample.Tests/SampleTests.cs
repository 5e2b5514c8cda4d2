using AspNetCore.Authentication.WeChat;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.Extensions.DependencyInjection;
using MvcSample.Models;

namespace MvcSample.Tests;

public class SampleTests
{
    [Fact]
    public async Task Home_page_offers_sign_in_and_shows_the_emulator_banner()
    {
        await using var factory = new SampleFactory();
        var html = await factory.CreateBrowser().GetStringAsync("/");

        Assert.Contains("id=\"sign-in\"", html, StringComparison.Ordinal);
        Assert.Contains("微信登录 · Sign in with WeChat", html, StringComparison.Ordinal);
        Assert.Contains("id=\"emulator-banner\"", html, StringComparison.Ordinal);
        Assert.Contains("/css/site.css", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://cdn", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_profile_ends_at_the_WeChat_authorize_endpoint()
    {
        await using var factory = new SampleFactory();
        var authorize = await SampleFactory.ChallengeAsync(factory.CreateBrowser());

        Assert.Equal("localhost", authorize.Host);
        Assert.Equal("/wechat-emulator/connect/oauth2/authorize", authorize.AbsolutePath);
        Assert.Matches(@"^\?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_userinfo&state=[A-Za-z0-9]{32}$", authorize.Query);
        Assert.Equal("#wechat_redirect", authorize.Fragment);
    }

    [Fact]
    public async Task A_full_sign_in_shows_the_profile()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var (url, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        Assert.Equal("/Profile", url.AbsolutePath);
        Assert.Equal("小明 😀", SampleFactory.Element(html, "nickname"));
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", SampleFactory.Element(html, "openid"));
        Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", SampleFactory.Element(html, "unionid"));
        // The emulator serves its avatars over http, as WeChat's image servers do (the package keeps only http(s) avatars).
        Assert.Contains("id=\"avatar\" src=\"http://localhost/wechat-emulator/mmopen/oEmu_XiaoMing_6bmasdsad6_2sgVt7hM/132\"", html, StringComparison.Ordinal);
        var avatar = await browser.GetAsync("/wechat-emulator/mmopen/oEmu_XiaoMing_6bmasdsad6_2sgVt7hM/132");
        Assert.Equal("image/svg+xml", avatar.Content.Headers.ContentType!.MediaType);
        Assert.Contains(">小</text>", await avatar.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("<td>urn:wechat:scope</td><td>snsapi_userinfo</td>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"sign-out\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_claims_table_shortens_long_urls_and_keeps_them_whole_in_a_title()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        // The avatar: a link (it is http), shown as scheme://host/…/last-segment.
        const string Avatar = "http://localhost/wechat-emulator/mmopen/oEmu_XiaoMing_6bmasdsad6_2sgVt7hM/132";
        Assert.Contains($"<td>urn:wechat:headimgurl</td><td><a href=\"{Avatar}\" title=\"{Avatar}\" rel=\"nofollow noopener noreferrer\">http://localhost/…/132</a></td>", html, StringComparison.Ordinal);
        // The long claim type URIs too, without a link.
        Assert.Contains("<td title=\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier\">http://schemas.xmlsoap.org/…/nameidentifier</td><td>uEmu_XiaoMing_o6_bmasdasdsad6_2sg</td>", html, StringComparison.Ordinal);
        // Anything else keeps the plain two-cell shape.
        Assert.Contains("<td>urn:wechat:scope</td><td>snsapi_userinfo</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_favicon_is_an_icon()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var response = await browser.GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("image/", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var icon = await response.Content.ReadAsByteArrayAsync();
        // An ICO header (reserved 0, type 1, at least one image), its first image a PNG.
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, icon[..4]);
        Assert.True(BitConverter.ToUInt16(icon, 4) >= 1);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, icon[BitConverter.ToInt32(icon, 18)..][..4]);
        Assert.Contains("<link rel=\"icon\" href=\"/favicon.ico\"", await browser.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_unionid_signs_in()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 1);

        Assert.Equal("Li Lei", SampleFactory.Element(html, "nickname"));
        Assert.StartsWith("—", SampleFactory.Element(html, "unionid"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_html_encodes_what_WeChat_sent_and_drops_non_image_avatars()
    {
        await using var factory = new SampleFactory { ConfigureTestServices = s => s.PostConfigure<WeChatEmulatorOptions>(o => o.Users.Add(SampleFactory.ScriptUser)) };
        var browser = factory.CreateBrowser();

        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: UserIndex(factory, SampleFactory.ScriptUser));

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"javascript:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"avatar\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WeChat_error_lands_on_the_error_page_with_its_errcode()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var (url, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 2);

        Assert.Equal("/Account/Failed", url.AbsolutePath);
        Assert.Equal("-1", SampleFactory.Element(html, "errcode"));
        Assert.Equal("微信系统繁忙，请稍后再试。 WeChat is busy. Please try again in a moment.", SampleFactory.Element(html, "failure-message"));
        Assert.DoesNotContain("rid:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("token endpoint", html, StringComparison.Ordinal);
        Assert.Contains("returnUrl=%2FProfile", html, StringComparison.Ordinal);
        AssertNoSecretsOrTraces(html, factory);
    }

    [Fact]
    public async Task Refused_consent_lands_on_the_access_denied_page()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var (url, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0, decision: "refuse");

        Assert.Equal("/Account/AccessDenied", url.AbsolutePath);
        Assert.Contains("id=\"denied\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"try-again\" href=\"/Account/SignIn?returnUrl=%2FProfile\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_callback_lands_on_the_error_page_saying_it_expired()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var authorize = await SampleFactory.ChallengeAsync(browser);
        var consent = await browser.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = authorize.Query, ["user"] = "0", ["decision"] = "allow",
        }));
        var callback = consent.Headers.Location!;
        await SampleFactory.FollowAsync(browser, callback);

        var (url, html) = await SampleFactory.FollowAsync(factory.CreateBrowser(), callback);

        Assert.Equal("/Account/Failed", url.AbsolutePath);
        Assert.Equal("这次登录已过期或已使用，请重新登录。 This sign-in has expired or was already used. Please sign in again.", SampleFactory.Element(html, "failure-message"));
        Assert.Null(SampleFactory.Element(html, "errcode"));
        AssertNoSecretsOrTraces(html, factory);
    }

    [Fact]
    public async Task A_WeChat_timeout_lands_on_the_error_page()
    {
        await using var factory = new SampleFactory { ConfigureTestServices = s => s.PostConfigure<WeChatEmulatorOptions>(o => o.Users.Add(SampleFactory.SlowUser)) };
        factory.Settings["Authentication:WeChat:BackchannelTimeout"] = "00:00:01";
        var browser = factory.CreateBrowser();

        var (url, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: UserIndex(factory, SampleFactory.SlowUser));

        Assert.Equal("/Account/Failed", url.AbsolutePath);
        Assert.Equal("微信响应超时，请稍后再试。 WeChat took too long to answer. Please try again.", SampleFactory.Element(html, "failure-message"));
        Assert.DoesNotContain("BackchannelTimeout", html, StringComparison.Ordinal);
    }

    /// <summary>Where a user a test added comes on the consent page (after the default users).</summary>
    private static int UserIndex(SampleFactory factory, WeChatEmulatorUser user)
        => factory.Services.GetRequiredService<WeChatEmulator>().Options.Users.IndexOf(user);

    [Fact]
    public async Task The_error_page_never_shows_a_failures_message_and_ignores_forged_ones()
    {
        await using var factory = new SampleFactory();
        var messages = factory.Services.GetRequiredService<SignInFailureMessages>();
        var browser = factory.CreateBrowser();

        var html = await browser.GetStringAsync("/Account/Failed?e=" + Uri.EscapeDataString(messages.Protect(new InvalidOperationException("<img src=x onerror=alert(1)> at Secret.Method()"))));
        Assert.DoesNotContain("img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret.Method", html, StringComparison.Ordinal);
        Assert.Equal("登录未能完成，请重试。 The sign-in could not be completed. Please try again.", SampleFactory.Element(html, "failure-message"));

        var forged = await browser.GetStringAsync("/Account/Failed?e=Call%20555-1234%20for%20help");
        Assert.DoesNotContain("555-1234", forged, StringComparison.Ordinal);
        Assert.Equal("登录未能完成，请重试。 The sign-in could not be completed. Please try again.", SampleFactory.Element(forged, "failure-message"));
    }

    [Theory]
    [InlineData(WeChatFailureKind.StateExpired, null, "这次登录已过期或已使用，请重新登录。 This sign-in has expired or was already used. Please sign in again.")]
    [InlineData(WeChatFailureKind.CorrelationCookieMissing, null, "浏览器没有带回登录凭据（微信内置浏览器有时会丢失），请重新登录。 Your browser did not send back its sign-in cookie (WeChat's browser sometimes drops it). Please sign in again.")]
    [InlineData(WeChatFailureKind.AccessDenied, null, "你拒绝了授权，未能登录。 You declined to authorize the sign-in.")]
    [InlineData(WeChatFailureKind.StateStoreUnavailable, null, "登录服务暂时不可用，请稍后再试。 Sign-in is unavailable right now. Please try again in a moment.")]
    [InlineData(WeChatFailureKind.InvalidCode, 40163, "授权已失效，请重新登录。 The authorization has expired or was already used. Please sign in again.")]
    [InlineData(WeChatFailureKind.WeChatBusy, -1, "微信系统繁忙，请稍后再试。 WeChat is busy. Please try again in a moment.")]
    [InlineData(WeChatFailureKind.RateLimited, 45011, "请求过于频繁，请一分钟后再试。 Too many attempts. Please try again in a minute.")]
    [InlineData(WeChatFailureKind.WeChatTimeout, null, "微信响应超时，请稍后再试。 WeChat took too long to answer. Please try again.")]
    [InlineData(WeChatFailureKind.WeChatUnavailable, null, "暂时无法连接微信，请稍后再试。 WeChat cannot be reached right now. Please try again later.")]
    [InlineData(WeChatFailureKind.ConfigurationError, 40125, "网站的微信登录配置有误，我们正在处理。 This site's WeChat sign-in is misconfigured; we are on it.")]
    [InlineData(WeChatFailureKind.IpAddressNotAllowed, 40164, "网站的微信登录配置有误，我们正在处理。 This site's WeChat sign-in is misconfigured; we are on it.")]
    [InlineData(WeChatFailureKind.UnionIdMissing, null, "网站的微信登录配置有误，我们正在处理。 This site's WeChat sign-in is misconfigured; we are on it.")]
    [InlineData(WeChatFailureKind.InvalidResponse, null, "登录未能完成，请重试。 The sign-in could not be completed. Please try again.")]
    [InlineData(WeChatFailureKind.WeChatError, 40003, "登录未能完成，请重试。 The sign-in could not be completed. Please try again.")]
    public async Task The_error_page_says_each_kind_in_Chinese_and_English_with_the_errcode_as_a_detail(WeChatFailureKind kind, int? errcode, string text)
    {
        await using var factory = new SampleFactory();
        var messages = factory.Services.GetRequiredService<SignInFailureMessages>();
        var failure = new WeChatAuthenticationException("developer text: errcode 40164 (invalid ip [IP], not in whitelist)", kind, errcode is { } code ? new WeChatApiException("x", "api", kind, code, "errmsg") : null);
        var protectedFailure = errcode is null ? messages.Protect(failure) : messages.Protect(new WeChatApiException("developer text", "api", kind, errcode, "errmsg"));

        var html = await factory.CreateBrowser().GetStringAsync("/Account/Failed?e=" + Uri.EscapeDataString(protectedFailure));

        Assert.Equal(text, SampleFactory.Element(html, "failure-message"));
        Assert.Equal(errcode?.ToString(System.Globalization.CultureInfo.InvariantCulture), SampleFactory.Element(html, "errcode"));
        Assert.DoesNotContain("developer text", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_out_is_a_POST_with_antiforgery()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var (_, profile) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        var withoutToken = await browser.PostAsync("/Account/SignOut", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Profile")).StatusCode);

        var token = System.Text.RegularExpressions.Regex.Match(profile, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var signOut = await browser.PostAsync("/Account/SignOut", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/", signOut.Headers.Location!.OriginalString);

        Assert.Contains("/connect/oauth2/authorize", (await SampleFactory.ChallengeAsync(browser)).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    [InlineData("/\\evil.example")]
    public async Task A_non_local_return_url_is_refused(string returnUrl)
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var authorize = await SampleFactory.ChallengeAsync(browser, "/Account/SignIn?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var (url, _) = await SampleFactory.ConsentAsync(browser, authorize, user: 0);

        Assert.Equal("localhost", url.Host);
        Assert.Equal("/Profile", url.AbsolutePath);
    }

    [Fact]
    public async Task A_local_return_url_is_honoured()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();

        var authorize = await SampleFactory.ChallengeAsync(browser, "/Account/SignIn?returnUrl=%2F%3Fwelcome%3D1");
        var (url, _) = await SampleFactory.ConsentAsync(browser, authorize, user: 0);

        Assert.Equal("/?welcome=1", url.PathAndQuery);
    }

    [Theory]
    [InlineData("?redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&appid=wxe0e0e0e0e0e0e0e0&response_type=code&scope=snsapi_userinfo&state=abc", "in this order")]
    [InlineData("?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_userinfo&state=has-dash", "state")]
    [InlineData("?appid=wx1111111111111111&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_userinfo&state=abc", "10016")]
    [InlineData("?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_login&state=abc", "10005")]
    public async Task The_emulator_refuses_authorize_urls_WeChat_would_refuse(string query, string reason)
    {
        await using var factory = new SampleFactory();
        var response = await factory.CreateBrowser().GetAsync("/wechat-emulator/connect/oauth2/authorize" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("该链接无法访问", html, StringComparison.Ordinal);
        Assert.Contains(reason, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_emulator_skips_the_consent_page_for_snsapi_base()
    {
        await using var factory = new SampleFactory();
        factory.Settings["Authentication:WeChat:Scope:0"] = "snsapi_base";
        var browser = factory.CreateBrowser();

        var authorize = await SampleFactory.ChallengeAsync(browser);
        var (url, html) = await SampleFactory.FollowAsync(browser, authorize);

        Assert.Equal("/Profile", url.AbsolutePath);
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", SampleFactory.Element(html, "openid"));
    }

    [Fact]
    public async Task Without_AppId_the_sample_cannot_start_in_Production()
    {
        await using var factory = new SampleFactory().WithWebHostBuilder(b => b.UseEnvironment("Production"));

        var exception = await Assert.ThrowsAnyAsync<ArgumentException>(() => Task.Run(() => factory.CreateClient()));

        Assert.Equal("AppId", exception.ParamName);
    }

    [Fact]
    public async Task The_emulator_refuses_to_run_in_Production_without_the_opt_in()
    {
        // An app that registers the emulator unconditionally still cannot use it in Production by accident.
        await using var factory = new SampleFactory().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .ConfigureServices(s => s.AddWeChatEmulator()));

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => factory.CreateClient()));

        Assert.Contains("only runs in the Development environment", exception.Message, StringComparison.Ordinal);
        Assert.Contains("WeChatEmulator:AllowOutsideDevelopment", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_opt_in_the_emulator_runs_in_Production()
    {
        await using var factory = new SampleFactory().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .UseSetting("WeChatEmulator:AllowOutsideDevelopment", "true"));
        var browser = factory.CreateClient(new() { AllowAutoRedirect = false });

        Assert.Contains("id=\"emulator-banner\"", await browser.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_pages_and_errors_get_friendly_pages()
    {
        await using var factory = new SampleFactory();
        var response = await factory.CreateBrowser().GetAsync("/no/such/page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("id=\"status-message\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static void AssertNoSecretsOrTraces(string html, SampleFactory factory)
    {
        var emulator = factory.Services.GetRequiredService<WeChatEmulator>();
        Assert.DoesNotContain(emulator.AppSecret, html, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
    }
}
