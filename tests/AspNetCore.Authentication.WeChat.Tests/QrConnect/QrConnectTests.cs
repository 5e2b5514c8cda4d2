using System.Net;
using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests.QrConnect;

/// <summary>Website QR login through HTTP: the link, the state, the sign-in and its failures.</summary>
public class QrConnectTests
{
    [Fact]
    public async Task Challenge_redirects_to_the_exact_qrconnect_url()
    {
        await using var host = await QrConnectTestHost.StartAsync();

        var location = (await WeChatTestHost.ChallengeAsync(host.CreateBrowser(), "/challenge/WeChatQrConnect")).ToString();

        var state = WeChatTestHost.Query(new Uri(location))["state"];
        Assert.Matches("^[A-Za-z0-9]{32}$", state);
        Assert.Equal(
            "https://open.weixin.qq.com/connect/qrconnect?appid=wxweb0123456789abc&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat-qrconnect&response_type=code&scope=snsapi_login&state=" + state + "#wechat_redirect",
            location);
    }

    [Fact]
    public async Task An_English_QR_page_adds_lang_after_state()
    {
        await using var host = await QrConnectTestHost.StartAsync(o => o.QrCodeLanguage = "en");

        var location = await WeChatTestHost.ChallengeAsync(host.CreateBrowser(), "/challenge/WeChatQrConnect");

        Assert.Matches("^\\?appid=[^&]+&redirect_uri=[^&]+&response_type=code&scope=snsapi_login&state=[A-Za-z0-9]{32}&lang=en$", location.Query);
        Assert.Equal("#wechat_redirect", location.Fragment);
    }

    [Fact]
    public async Task A_QR_sign_in_lands_on_the_return_url_as_the_website_apps_user()
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var browser = host.CreateBrowser();

        var callback = await QrConnectTestHost.SignInAsync(host, browser, FakeWeChatUser.Alice);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(WeChatTestHost.ReturnUrl, callback.Headers.Location!.OriginalString);
        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(FakeWeChatUser.Alice.WebsiteOpenId, me.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(1, host.Fake.TokenRequests);
        Assert.Equal(1, host.Fake.UserInfoRequests);
        Assert.Contains(host.Fake.Requests, r => r.AbsolutePath == "/sns/oauth2/access_token" && r.Query.Contains("appid=wxweb0123456789abc&secret=", StringComparison.Ordinal));
        Assert.Empty(host.Fake.UnexpectedRequests);
    }

    [Theory]
    [InlineData(WeChatClaimTypes.OpenId, "oWebAlice_6_bmasdasdsad6_2sgVt7hM")]
    [InlineData(WeChatClaimTypes.UnionId, "o6_bmasdasdsad6_2sgVt7hMZOPfL")]
    [InlineData(WeChatClaimTypes.AppId, FakeWeChat.WebsiteAppId)]
    [InlineData(WeChatClaimTypes.Scope, "snsapi_login")]
    [InlineData(ClaimTypes.Name, "小明😀<b>")]
    [InlineData(WeChatClaimTypes.HeadImageUrl, "https://thirdwx.qlogo.cn/mmopen/alice/132")]
    public async Task QR_claims_are_the_website_apps(string claimType, string value)
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await QrConnectTestHost.SignInAsync(host, browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);

        Assert.Equal(value, Assert.Single(me.All(claimType)));
    }

    [Fact]
    public async Task The_identity_says_which_scheme_and_app_signed_the_user_in()
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var qr = host.CreateBrowser();
        var wechat = host.CreateBrowser();
        await QrConnectTestHost.SignInAsync(host, qr, FakeWeChatUser.Alice);
        await host.SignInAsync(wechat, FakeWeChatUser.Alice);

        var qrMe = await AuthenticationTypeAsync(qr);
        var wechatMe = await AuthenticationTypeAsync(wechat);

        Assert.Equal(WeChatQrConnectDefaults.AuthenticationScheme, qrMe);
        Assert.Equal(WeChatAuthenticationDefaults.AuthenticationScheme, wechatMe);
        Assert.Equal(FakeWeChat.AppId, (await WeChatTestHost.GetMeAsync(wechat)).Find(WeChatClaimTypes.AppId));
    }

    [Fact]
    public async Task One_person_is_one_name_identifier_across_both_apps_by_unionid_and_keeps_each_apps_openid()
    {
        await using var host = await QrConnectTestHost.StartAsync(
            qrConnect: o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId,
            officialAccount: o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId);
        var desktop = host.CreateBrowser();
        var phone = host.CreateBrowser();

        await QrConnectTestHost.SignInAsync(host, desktop, FakeWeChatUser.Alice);
        await host.SignInAsync(phone, FakeWeChatUser.Alice);

        var viaQr = await WeChatTestHost.GetMeAsync(desktop);
        var viaWeChat = await WeChatTestHost.GetMeAsync(phone);
        Assert.Equal(FakeWeChatUser.Alice.UnionId, viaQr.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(viaQr.Find(ClaimTypes.NameIdentifier), viaWeChat.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(FakeWeChatUser.Alice.WebsiteOpenId, viaQr.Find(WeChatClaimTypes.OpenId));
        Assert.Equal(FakeWeChatUser.Alice.OpenId, viaWeChat.Find(WeChatClaimTypes.OpenId));
        Assert.NotEqual(viaQr.Find(WeChatClaimTypes.AppId), viaWeChat.Find(WeChatClaimTypes.AppId));
    }

    [Fact]
    public async Task A_website_user_without_unionid_fails_when_the_unionid_is_required()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId, failures: failures);

        var callback = await QrConnectTestHost.SignInAsync(host, host.CreateBrowser(), FakeWeChatUser.Bob);

        Assert.Equal("/failed", callback.Headers.Location!.OriginalString);
        var failure = Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures));
        Assert.Equal(WeChatFailureKind.UnionIdMissing, failure.Kind);
        Assert.Contains("website app", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_works_once()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var qrConnect = await WeChatTestHost.ChallengeAsync(browser, "/challenge/WeChatQrConnect");
        var first = host.Fake.ScanQrCode(qrConnect, FakeWeChatUser.Alice);
        var second = host.Fake.ScanQrCode(qrConnect, FakeWeChatUser.Bob);

        Assert.Equal(WeChatTestHost.ReturnUrl, (await browser.GetAsync(first)).Headers.Location!.OriginalString);
        // A second code for the same state (another scan, a replay) never signs anyone else in.
        var again = await browser.GetAsync(second);

        Assert.Equal(1, host.Fake.TokenRequests);
        Assert.Equal(FakeWeChatUser.Alice.WebsiteOpenId, (await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.OpenId));
        Assert.True(again.Headers.Location!.OriginalString == WeChatTestHost.ReturnUrl || failures.Count == 1, "the repeat either lands signed in as Alice or fails");
    }

    [Fact]
    public async Task Another_browser_cannot_spend_the_state()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        var victim = host.CreateBrowser();
        var callbackUrl = host.Fake.ScanQrCode(await WeChatTestHost.ChallengeAsync(victim, "/challenge/WeChatQrConnect"), FakeWeChatUser.Alice);

        var attacker = await host.CreateBrowser().GetAsync(callbackUrl);

        Assert.Equal("/failed", attacker.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.CorrelationCookieMissing, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(0, host.Fake.TokenRequests);
        // The owner's own callback still works.
        Assert.Equal(WeChatTestHost.ReturnUrl, (await victim.GetAsync(callbackUrl)).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_QR_state_is_not_an_official_account_state()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.ScanQrCode(await WeChatTestHost.ChallengeAsync(browser, "/challenge/WeChatQrConnect"), FakeWeChatUser.Alice);

        var wrongCallback = await browser.GetAsync(callbackUrl.Replace("/signin-wechat-qrconnect?", "/signin-wechat?", StringComparison.Ordinal));

        Assert.Equal("/failed", wrongCallback.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.StateExpired, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("long")]
    [InlineData("symbols")]
    [InlineData("missing")]
    public async Task A_bad_state_fails_as_expired_without_calling_WeChat(string kind)
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.ScanQrCode(await WeChatTestHost.ChallengeAsync(browser, "/challenge/WeChatQrConnect"), FakeWeChatUser.Alice);
        var state = WeChatTestHost.Query(new Uri(callbackUrl))["state"];
        var bad = kind switch
        {
            "tampered" => callbackUrl.Replace(state, (state[0] == 'A' ? "B" : "A") + state[1..], StringComparison.Ordinal),
            "long" => callbackUrl.Replace(state, state + state, StringComparison.Ordinal),
            "symbols" => callbackUrl.Replace(state, state[..31] + "%2F", StringComparison.Ordinal),
            _ => callbackUrl.Replace("&state=" + state, "", StringComparison.Ordinal),
        };

        var response = await browser.GetAsync(bad);

        Assert.Equal("/failed", response.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.StateExpired, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task Refusal_with_state_only_is_access_denied()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.ScanQrCode(await WeChatTestHost.ChallengeAsync(browser, "/challenge/WeChatQrConnect"), FakeWeChatUser.Alice);
        var code = WeChatTestHost.Query(new Uri(callbackUrl))["code"];

        var refused = await browser.GetAsync(callbackUrl.Replace("code=" + code + "&", "", StringComparison.Ordinal));

        Assert.Equal("/failed", refused.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.AccessDenied, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Theory]
    [InlineData(40029, WeChatFailureKind.InvalidCode)]
    [InlineData(40163, WeChatFailureKind.InvalidCode)]
    [InlineData(40125, WeChatFailureKind.ConfigurationError)]
    [InlineData(-1, WeChatFailureKind.WeChatBusy)]
    [InlineData(45011, WeChatFailureKind.RateLimited)]
    public async Task Each_errcode_of_the_token_exchange_fails_with_its_kind(int errcode, WeChatFailureKind kind)
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        host.Fake.TokenResponse = () => FakeWeChat.Error(errcode, "emulated");

        var callback = await QrConnectTestHost.SignInAsync(host, host.CreateBrowser(), FakeWeChatUser.Alice);

        Assert.Equal("/failed", callback.Headers.Location!.OriginalString);
        var failure = Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures));
        Assert.Equal(kind, failure.Kind);
        Assert.Equal(errcode, failure.ErrorCode);
    }

    [Fact]
    public async Task A_profile_of_another_openid_stops_the_sign_in()
    {
        var failures = new List<Exception>();
        await using var host = await QrConnectTestHost.StartAsync(failures: failures);
        host.Fake.UserInfoResponse = () => FakeWeChat.Json("""{"openid":"oWebMallory","nickname":"Mallory"}""");

        var callback = await QrConnectTestHost.SignInAsync(host, host.CreateBrowser(), FakeWeChatUser.Alice);

        Assert.Equal("/failed", callback.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.InvalidResponse, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
    }

    [Fact]
    public async Task Concurrent_QR_sign_ins_each_end_as_their_own_user()
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var users = Enumerable.Range(0, 100).Select(FakeWeChatUser.Numbered).ToArray();

        var signedIn = await Task.WhenAll(users.Select(async user =>
        {
            var browser = host.CreateBrowser();
            await QrConnectTestHost.SignInAsync(host, browser, user);
            return (user, me: await WeChatTestHost.GetMeAsync(browser));
        }));

        Assert.All(signedIn, s => Assert.Equal(s.user.WebsiteOpenId, s.me.Find(WeChatClaimTypes.OpenId)));
        Assert.Equal(100, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task The_user_token_service_renews_a_QR_users_tokens_with_the_website_apps_AppID()
    {
        await using var host = await QrConnectTestHost.StartAsync();
        host.Fake.OtherApis = request => request.RequestUri!.AbsolutePath == "/sns/oauth2/refresh_token"
            ? FakeWeChat.Json($$"""{"access_token":"ACCESS_NEW","expires_in":7200,"refresh_token":"REFRESH_SAME","openid":"{{FakeWeChatUser.Alice.WebsiteOpenId}}","scope":"snsapi_login"}""")
            : null;
        var tokens = host.App.Services.GetRequiredService<IWeChatUserTokenService>();

        var renewed = await tokens.RefreshAsync("REFRESH_SAME", FakeWeChatUser.Alice.WebsiteOpenId, WeChatQrConnectDefaults.AuthenticationScheme);

        Assert.Equal("ACCESS_NEW", renewed.AccessToken);
        Assert.Contains(host.Fake.Requests, r => r.AbsolutePath == "/sns/oauth2/refresh_token" && r.Query.StartsWith("?appid=wxweb0123456789abc&", StringComparison.Ordinal));
    }

    private static async Task<string?> AuthenticationTypeAsync(TestBrowser browser)
    {
        var response = await browser.GetAsync("/me");
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("authenticationType").GetString();
    }
}
