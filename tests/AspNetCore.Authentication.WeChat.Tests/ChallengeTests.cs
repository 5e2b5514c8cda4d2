using System.Net;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests;

public class ChallengeTests
{
    [Fact]
    public async Task Challenge_redirects_to_the_exact_WeChat_authorize_url()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();

        var location = (await WeChatTestHost.ChallengeAsync(browser)).ToString();

        var state = WeChatTestHost.Query(new Uri(location))["state"];
        Assert.Equal(
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_userinfo&state=" + state + "#wechat_redirect",
            location);
    }

    [Fact]
    public async Task State_is_32_alphanumeric_characters_and_different_every_time()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var states = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var state = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()))["state"];
            Assert.Matches("^[A-Za-z0-9]{32}$", state);
            states.Add(state);
        }

        Assert.Equal(20, states.Count);
    }

    [Fact]
    public async Task Query_has_no_client_id_no_pkce_and_nothing_WeChat_does_not_know()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var query = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()));

        Assert.Equal(["appid", "redirect_uri", "response_type", "scope", "state"], query.Keys);
    }

    [Fact]
    public async Task ForcePopup_is_added_after_state()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.ForcePopup = true);
        var location = await WeChatTestHost.ChallengeAsync(host.CreateBrowser());

        Assert.Matches(@"&state=[A-Za-z0-9]{32}&forcePopup=true$", location.Query);
        Assert.Equal("#wechat_redirect", location.Fragment);
    }

    [Fact]
    public async Task Base_scope_is_sent_when_configured()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.Scope.Add(WeChatAuthenticationDefaults.BaseScope));
        var query = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()));

        Assert.Equal("snsapi_base", query["scope"]);
    }

    [Fact]
    public async Task A_challenge_can_ask_for_another_scope()
    {
        await using var host = await WeChatTestHost.StartAsync(pipeline: app => app.MapGet("/silent", (HttpContext context) =>
        {
            var properties = new OAuthChallengeProperties { RedirectUri = "/" };
            properties.SetScope(WeChatAuthenticationDefaults.BaseScope);
            return context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, properties);
        }));

        var query = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser(), "/silent"));

        Assert.Equal("snsapi_base", query["scope"]);
    }

    [Fact]
    public async Task Redirect_uri_honours_path_base_and_forwarded_https()
    {
        await using var host = await WeChatTestHost.StartAsync(
            services: s => s.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
            }),
            pipeline: app =>
            {
                app.UseForwardedHeaders();
                app.UsePathBase("/shop");
            });
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync("/shop/challenge", r =>
        {
            r.Headers.Add("X-Forwarded-Proto", "https");
            r.Headers.Add("X-Forwarded-Host", "m.example.com");
            r.Headers.Add("X-Forwarded-For", "203.0.113.9");
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("https://m.example.com/shop/signin-wechat", WeChatTestHost.Query(response.Headers.Location!)["redirect_uri"]);
        Assert.Contains("redirect_uri=https%3A%2F%2Fm.example.com%2Fshop%2Fsignin-wechat&", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicOrigin_replaces_the_request_origin_in_redirect_uri()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.PublicOrigin = "https://www.example.com/");
        var query = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()));

        Assert.Equal("https://www.example.com/signin-wechat", query["redirect_uri"]);
    }

    [Fact]
    public async Task Challenge_sets_a_SameSite_Lax_httponly_correlation_cookie()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var response = await host.CreateBrowser().GetAsync("/challenge");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Properties_are_kept_in_the_distributed_cache_under_the_state_for_RemoteAuthenticationTimeout()
    {
        var cache = new RecordingDistributedCache();
        await using var host = await WeChatTestHost.StartAsync(
            o => o.RemoteAuthenticationTimeout = TimeSpan.FromMinutes(7),
            services: s => s.AddSingleton<IDistributedCache>(cache));

        var state = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(host.CreateBrowser()))["state"];

        var (key, value, options) = Assert.Single(cache.Sets);
        Assert.Equal("WeChat.Authentication.State:WeChat:" + state, key);
        Assert.Equal(TimeSpan.FromMinutes(7), options.AbsoluteExpirationRelativeToNow);

        using var entry = JsonDocument.Parse(value);
        Assert.False(entry.RootElement.TryGetProperty("s", out _)); // pending: no outcome yet
        var properties = host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<WeChatAuthenticationOptions>>()
            .Get(WeChatAuthenticationDefaults.AuthenticationScheme).StateDataFormat.Unprotect(entry.RootElement.GetProperty("p").GetString());
        Assert.Equal(WeChatTestHost.ReturnUrl, properties!.RedirectUri);
    }

    [Fact]
    public async Task Challenge_answers_503_when_the_state_store_fails()
    {
        var cache = new RecordingDistributedCache { Fail = true };
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));

        var response = await host.CreateBrowser().GetAsync("/challenge");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatStateStoreUnavailableAtChallenge");
    }

    [Fact]
    public async Task Challenge_answers_503_within_StateStoreTimeout_when_the_state_store_hangs()
    {
        var cache = new RecordingDistributedCache { Delay = TimeSpan.FromMinutes(5) };
        await using var host = await WeChatTestHost.StartAsync(
            o => o.StateStoreTimeout = TimeSpan.FromMilliseconds(200),
            services: s => s.AddSingleton<IDistributedCache>(cache));

        var response = await host.CreateBrowser().GetAsync("/challenge").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
