using System.Net;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests.QrConnect;

/// <summary>
/// The embedded QR code (wxLogin.js): the server issues the state and the correlation cookie, and the callback is
/// checked exactly as after a redirect.
/// </summary>
public class EmbeddedQrCodeTests
{
    private const string Endpoint = "/signin-wechat-qrconnect/embedded";

    [Fact]
    public async Task The_endpoint_answers_WxLogins_options_with_a_server_issued_state_and_never_to_a_cache()
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync(Endpoint + "?returnUrl=%2Forders%2F1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(WeChatQrConnectDefaults.EmbeddedScriptUrl, root.GetProperty("script").GetString());
        var options = root.GetProperty("options");
        Assert.Equal(["self_redirect", "appid", "scope", "redirect_uri", "state", "style"], options.EnumerateObject().Select(p => p.Name));
        Assert.False(options.GetProperty("self_redirect").GetBoolean());
        Assert.Equal(FakeWeChat.WebsiteAppId, options.GetProperty("appid").GetString());
        Assert.Equal("snsapi_login", options.GetProperty("scope").GetString());
        // wxLogin.js concatenates it raw, so it comes escaped.
        Assert.Equal("http%3A%2F%2Flocalhost%2Fsignin-wechat-qrconnect", options.GetProperty("redirect_uri").GetString());
        Assert.Matches("^[A-Za-z0-9]{32}$", options.GetProperty("state").GetString());
        Assert.Equal("black", options.GetProperty("style").GetString());
        Assert.Contains(browser.Cookies.GetAllCookies(), c => c.Name.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_options_carry_style_stylesheet_self_redirect_lang_and_an_app_relative_script()
    {
        await using var host = await StartAsync(o =>
        {
            o.EmbeddedStyle = "white";
            o.EmbeddedStylesheet = "data:text/css;base64,LmltcG93ZXJCb3gge30=";
            o.EmbeddedSelfRedirect = true;
            o.QrCodeLanguage = "en";
            o.EmbeddedScriptUrl = "/wechat-emulator/connect/zh_CN/htmledition/js/wxLogin.js";
        });

        var options = await GetOptionsAsync(host.CreateBrowser(), "");

        Assert.Equal("white", options.GetProperty("style").GetString());
        Assert.Equal("data:text/css;base64,LmltcG93ZXJCb3gge30=", options.GetProperty("href").GetString());
        Assert.True(options.GetProperty("self_redirect").GetBoolean());
        Assert.Equal("en", options.GetProperty("lang").GetString());
    }

    [Fact]
    public async Task An_embedded_sign_in_lands_on_the_return_url_through_the_normal_callback()
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();
        var options = await GetOptionsAsync(browser, "?returnUrl=%2Forders%2F1%3Ftab%3D2");

        var callback = await browser.GetAsync(Scan(host, options, FakeWeChatUser.Alice));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/orders/1?tab=2", callback.Headers.Location!.OriginalString);
        Assert.Equal(FakeWeChatUser.Alice.WebsiteOpenId, (await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.OpenId));
    }

    [Fact]
    public async Task Without_a_return_url_it_lands_on_the_home_page()
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();

        var callback = await browser.GetAsync(Scan(host, await GetOptionsAsync(browser, ""), FakeWeChatUser.Alice));

        Assert.Equal("/", callback.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("reused")]
    [InlineData("other-browser")]
    [InlineData("invented")]
    public async Task A_tampered_reused_or_foreign_embedded_state_fails_exactly_as_in_the_redirect_flow(string attack)
    {
        var failures = new List<Exception>();
        await using var host = await StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var options = await GetOptionsAsync(browser, "");
        var state = options.GetProperty("state").GetString()!;
        var callbackUrl = Scan(host, options, FakeWeChatUser.Alice);
        WeChatFailureKind expected;
        HttpResponseMessage response;
        switch (attack)
        {
            case "tampered":
                response = await browser.GetAsync(callbackUrl.Replace(state, (state[0] == 'A' ? "B" : "A") + state[1..], StringComparison.Ordinal));
                expected = WeChatFailureKind.StateExpired;
                break;
            case "reused":
                Assert.Equal("/", (await browser.GetAsync(callbackUrl)).Headers.Location!.OriginalString);
                // Another browser replaying the same callback, with a fresh code of Mallory's: it must not become anyone.
                response = await host.CreateBrowser().GetAsync(callbackUrl);
                expected = WeChatFailureKind.StateExpired;
                break;
            case "other-browser":
                response = await host.CreateBrowser().GetAsync(callbackUrl);
                expected = WeChatFailureKind.CorrelationCookieMissing;
                break;
            default:
                response = await browser.GetAsync(host.Fake.ScanEmbeddedQrCode(FakeWeChat.WebsiteAppId, Uri.EscapeDataString("http://localhost/signin-wechat-qrconnect"), "Invented0000000000000000000000000", FakeWeChatUser.Alice));
                expected = WeChatFailureKind.StateExpired;
                break;
        }

        Assert.Equal("/failed", response.Headers.Location!.OriginalString);
        Assert.Equal(expected, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(attack == "reused" ? 1 : 0, host.Fake.TokenRequests);
    }

    [Theory]
    [InlineData("?returnUrl=https%3A%2F%2Fevil.example%2F")]
    [InlineData("?returnUrl=%2F%2Fevil.example%2F")]
    [InlineData("?returnUrl=%2F%5Cevil.example%2F")]
    [InlineData("?returnUrl=javascript%3Aalert(1)")]
    [InlineData("?returnUrl=%2Fa%0D%0ASet-Cookie%3Ax")]
    [InlineData("?returnUrl=%2Fa&returnUrl=%2Fb")]
    [InlineData("?returnUrl=")]
    public async Task A_return_url_that_is_not_one_local_path_is_refused_before_anything_is_kept(string query)
    {
        var cache = new RecordingDistributedCache();
        await using var host = await StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync(Endpoint + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(cache.Sets);
        Assert.Empty(browser.Cookies.GetAllCookies());
    }

    [Theory]
    [InlineData("cross-site", HttpStatusCode.Forbidden)]
    [InlineData("same-origin", HttpStatusCode.OK)]
    [InlineData("same-site", HttpStatusCode.OK)]
    [InlineData("none", HttpStatusCode.OK)]
    public async Task Another_sites_page_cannot_begin_an_embedded_sign_in_in_the_users_browser(string fetchSite, HttpStatusCode expected)
    {
        // Only the app's own page fetches the configuration. Another site's page (an <img>, a form, a popup it keeps
        // navigating) would otherwise make the user's browser keep a correlation cookie and the server a state per
        // request: enough of them (a popup the page keeps navigating sets SameSite=Lax cookies) and the callback's
        // Cookie header outgrows a proxy's limit (nginx: 8 KB), so the user cannot sign in for RemoteAuthenticationTimeout.
        var cache = new RecordingDistributedCache();
        await using var host = await StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync(Endpoint + "?returnUrl=%2F", r => r.Headers.Add("Sec-Fetch-Site", fetchSite));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Empty(cache.Sets);
            Assert.Empty(browser.Cookies.GetAllCookies());
        }
    }

    [Fact]
    public async Task A_return_url_too_long_to_keep_is_refused()
    {
        await using var host = await StartAsync();

        var response = await host.CreateBrowser().GetAsync(Endpoint + "?returnUrl=%2F" + new string('a', 3000));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_failing_state_store_answers_503_without_a_cookie()
    {
        var cache = new RecordingDistributedCache { Fail = true };
        await using var host = await StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync(Endpoint);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter!.ToString());
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => !c.Expired && c.Name.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mapping_it_for_a_scheme_that_is_not_QR_login_fails_at_start_up()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => QrConnectTestHost.StartAsync(pipeline: app => app.MapWeChatQrConnectEmbedded(authenticationScheme: WeChatAuthenticationDefaults.AuthenticationScheme)));

        Assert.Contains("'WeChat' is not a WeChat QR login scheme", failure.Message, StringComparison.Ordinal);
    }

    private static Task<WeChatTestHost> StartAsync(Action<WeChatQrConnectOptions>? configure = null, List<Exception>? failures = null, Action<IServiceCollection>? services = null)
        => QrConnectTestHost.StartAsync(configure, pipeline: app => app.MapWeChatQrConnectEmbedded(), failures: failures, services: services);

    private static async Task<JsonElement> GetOptionsAsync(TestBrowser browser, string query)
    {
        var response = await browser.GetAsync(Endpoint + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("options").Clone();
    }

    private static string Scan(WeChatTestHost host, JsonElement options, FakeWeChatUser user)
        => host.Fake.ScanEmbeddedQrCode(options.GetProperty("appid").GetString()!, options.GetProperty("redirect_uri").GetString()!, options.GetProperty("state").GetString()!, user);
}
