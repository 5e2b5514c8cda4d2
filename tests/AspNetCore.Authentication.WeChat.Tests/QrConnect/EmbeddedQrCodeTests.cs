using System.Net;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
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
    [InlineData("%2F%252F%252Fevil.example", "/%2F%2Fevil.example")]
    [InlineData("%2F.%2F%2Fevil.example", "/.//evil.example")]
    [InlineData("%2F..%2F%2Fevil.example", "/..//evil.example")]
    [InlineData("%2F%E3%80%80%2Fevil.example", "/%E3%80%80/evil.example")]
    [InlineData("%2F%EF%BC%8F%2Fevil.example", "/%EF%BC%8F/evil.example")]
    [InlineData("%2F%C2%85evil.example", "/%C2%85evil.example")]
    [InlineData("%2F%ED%A0%80", "/%ED%A0%80")]
    [InlineData("%7E%2F", "/")]
    public async Task A_local_return_url_that_looks_like_another_site_lands_on_a_path_of_this_one(string returnUrl, string location)
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();

        var callback = await browser.GetAsync(Scan(host, await GetOptionsAsync(browser, "?returnUrl=" + returnUrl), FakeWeChatUser.Alice));

        Assert.Equal(location, callback.Headers.Location!.OriginalString);
        Assert.Equal("localhost", new Uri(new Uri("http://localhost/"), location).Host);
    }

    [Theory]
    [InlineData("%2F%09%2Fevil.example")]
    [InlineData("%7E%2F%2Fevil.example")]
    [InlineData("%7E%2F%5Cevil.example")]
    [InlineData("%5C%5Cevil.example")]
    [InlineData("%20%2F%2Fevil.example")]
    [InlineData("%7E")]
    [InlineData("%2Fa%7F")]
    public async Task A_return_url_with_a_tab_a_leading_space_or_a_resolved_double_slash_is_refused(string returnUrl)
    {
        await using var host = await StartAsync();

        var response = await host.CreateBrowser().GetAsync(Endpoint + "?returnUrl=" + returnUrl);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
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
    public async Task An_official_account_state_is_not_a_QR_state_and_stays_unspent()
    {
        var failures = new List<Exception>();
        await using var host = await StartAsync(failures: failures);
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser, "/challenge/WeChat"), FakeWeChatUser.Alice);

        var wrongCallback = await browser.GetAsync(callbackUrl.Replace("/signin-wechat?", "/signin-wechat-qrconnect?", StringComparison.Ordinal));

        Assert.Equal("/failed", wrongCallback.Headers.Location!.OriginalString);
        Assert.Equal(WeChatFailureKind.StateExpired, Assert.IsType<WeChatAuthenticationException>(Assert.Single(failures)).Kind);
        Assert.Equal(0, host.Fake.TokenRequests);
        Assert.Equal(WeChatTestHost.ReturnUrl, (await browser.GetAsync(callbackUrl)).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Concurrent_embedded_sign_ins_each_end_as_their_own_user()
    {
        await using var host = await StartAsync();
        var users = Enumerable.Range(0, 100).Select(FakeWeChatUser.Numbered).ToArray();

        var signedIn = await Task.WhenAll(users.Select(async user =>
        {
            var browser = host.CreateBrowser();
            await browser.GetAsync(Scan(host, await GetOptionsAsync(browser, ""), user));
            return (user, me: await WeChatTestHost.GetMeAsync(browser));
        }));

        Assert.All(signedIn, s => Assert.Equal(s.user.WebsiteOpenId, s.me.Find(WeChatClaimTypes.OpenId)));
        Assert.Equal(100, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task Two_callbacks_racing_for_one_embedded_state_exchange_one_code_and_sign_in_one_user()
    {
        await using var host = await StartAsync();
        host.Fake.TokenDelay = TimeSpan.FromMilliseconds(100);

        for (var round = 1; round <= 10; round++)
        {
            var browser = host.CreateBrowser();
            var options = await GetOptionsAsync(browser, "?returnUrl=%2Forders");
            // A second scan of the same QR code, or WeChat's duplicate callback with a second code.
            var callbacks = await Task.WhenAll(browser.GetAsync(Scan(host, options, FakeWeChatUser.Alice)), browser.GetAsync(Scan(host, options, FakeWeChatUser.Bob)));

            Assert.All(callbacks, c => Assert.Equal("/orders", c.Headers.Location!.OriginalString));
            Assert.Equal(round, host.Fake.TokenRequests);
            Assert.Contains((await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.OpenId), new[] { FakeWeChatUser.Alice.WebsiteOpenId, FakeWeChatUser.Bob.WebsiteOpenId });
        }
    }

    [Fact]
    public async Task A_flood_of_embedded_sign_ins_keeps_the_store_bounded_and_evicts_only_the_flooders_own_states()
    {
        var store = new MemoryWeChatStateStore(TimeProvider.System, maxBytes: 256 * 1024);
        await using var host = await QrConnectTestHost.StartAsync(
            services: s => s.AddSingleton<WeChatStateStore>(store),
            pipeline: app =>
            {
                // Stands in for the client address Kestrel (or UseForwardedHeaders) would set.
                app.Use((context, next) =>
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(context.Request.Headers["X-Test-Client"].ToString() is { Length: > 0 } a ? a : "198.51.100.7");
                    return next(context);
                });
                app.MapWeChatQrConnectEmbedded();
            });
        var before = host.CreateBrowser();
        var beforeOptions = await GetOptionsAsync(before, "?returnUrl=%2Fbefore");
        var during = host.CreateBrowser();
        JsonElement? duringOptions = null;

        for (var i = 0; i < 2_000; i += 100)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => host.CreateBrowser().GetAsync(Endpoint, r => r.Headers.Add("X-Test-Client", "203.0.113.66"))));
            duringOptions ??= i >= 1_000 ? await GetOptionsAsync(during, "?returnUrl=%2Fduring") : null;
        }

        Assert.InRange(store.Bytes, 200 * 1024, 256 * 1024);
        Assert.Equal("/before", (await before.GetAsync(Scan(host, beforeOptions, FakeWeChatUser.Alice))).Headers.Location!.OriginalString);
        Assert.Equal("/during", (await during.GetAsync(Scan(host, duringOptions!.Value, FakeWeChatUser.Bob))).Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("success")]
    [InlineData("token-errcode")]
    [InlineData("userinfo-errcode")]
    [InlineData("replay")]
    public async Task No_secret_reaches_the_embedded_answer_the_browser_a_log_line_or_a_failure(string scenario)
    {
        var failures = new List<Exception>();
        await using var host = await StartAsync(o => o.SaveTokens = true, failures: failures);
        host.Fake.TokenResponse = scenario == "token-errcode" ? () => FakeWeChat.Error(40125, "invalid appsecret") : null;
        host.Fake.UserInfoResponse = scenario == "userinfo-errcode" ? () => FakeWeChat.Error(42001, "access_token expired") : null;
        var browser = host.CreateBrowser();
        var seen = new List<string>();

        var embedded = await browser.GetAsync(Endpoint);
        seen.Add(await DescribeAsync(embedded));
        using var json = JsonDocument.Parse(await embedded.Content.ReadAsStringAsync());
        var callbackUrl = Scan(host, json.RootElement.GetProperty("options"), FakeWeChatUser.Alice);
        seen.Add(await DescribeAsync(await browser.GetAsync(callbackUrl)));
        if (scenario == "replay")
        {
            seen.Add(await DescribeAsync(await host.CreateBrowser().GetAsync(callbackUrl)));
        }

        if (scenario is "success" or "userinfo-errcode")
        {
            Assert.NotEmpty(host.Fake.IssuedSecrets);
        }

        foreach (var secret in host.Fake.IssuedSecrets.Append(FakeWeChat.WebsiteAppSecret))
        {
            Assert.DoesNotContain(secret, host.Logs.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(secret), host.Logs.AllText, StringComparison.Ordinal);
            Assert.All(seen, page => Assert.DoesNotContain(secret, page, StringComparison.Ordinal));
            Assert.All(failures, failure => Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal));
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

    private static async Task<string> DescribeAsync(HttpResponseMessage response)
        => $"{(int)response.StatusCode} {response.Headers} {response.Content.Headers} {await response.Content.ReadAsStringAsync()}";

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
