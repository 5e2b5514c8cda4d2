using System.Net;
using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests;

public class CallbackTests
{
    [Fact]
    public async Task Userinfo_sign_in_lands_on_the_return_url_signed_in()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(WeChatTestHost.ReturnUrl, callback.Headers.Location!.OriginalString);
        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(1, host.Fake.TokenRequests);
        Assert.Equal(1, host.Fake.UserInfoRequests);
        Assert.Empty(host.Fake.UnexpectedRequests);
    }

    [Theory]
    [InlineData(ClaimTypes.NameIdentifier, "oAlice_6_bmasdasdsad6_2sgVt7hM")]
    [InlineData(ClaimTypes.Name, "小明😀<b>")]
    [InlineData(WeChatClaimTypes.OpenId, "oAlice_6_bmasdasdsad6_2sgVt7hM")]
    [InlineData(WeChatClaimTypes.UnionId, "o6_bmasdasdsad6_2sgVt7hMZOPfL")]
    [InlineData(WeChatClaimTypes.HeadImageUrl, "https://thirdwx.qlogo.cn/mmopen/alice/132")]
    [InlineData(WeChatClaimTypes.Scope, "snsapi_userinfo")]
    [InlineData(ClaimTypes.Gender, "female")]
    [InlineData(ClaimTypes.StateOrProvince, "广东")]
    [InlineData(ClaimTypes.Locality, "广州")]
    [InlineData(ClaimTypes.Country, "中国")]
    public async Task Userinfo_claims_are_mapped(string claimType, string value)
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);

        Assert.Equal(value, Assert.Single(me.All(claimType)));
    }

    [Fact]
    public async Task Each_privilege_becomes_a_claim()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal(["chinaunicom", "PRIVILEGE2"], (await WeChatTestHost.GetMeAsync(browser)).All(WeChatClaimTypes.Privilege));
    }

    [Fact]
    public async Task Blank_gender_and_region_and_missing_unionid_make_no_claims()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Bob);

        var me = await WeChatTestHost.GetMeAsync(browser);

        Assert.Equal("Bob", me.Find(ClaimTypes.Name));
        foreach (var absent in new[] { WeChatClaimTypes.UnionId, WeChatClaimTypes.HeadImageUrl, WeChatClaimTypes.Privilege, WeChatClaimTypes.IsSnapshotUser, ClaimTypes.Gender, ClaimTypes.StateOrProvince, ClaimTypes.Locality, ClaimTypes.Country })
        {
            Assert.Null(me.Find(absent));
        }
    }

    [Fact]
    public async Task Language_is_sent_to_userinfo()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.Language = "en");
        await host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Alice);

        Assert.Equal("en", host.Fake.LastLanguage);
    }

    [Fact]
    public async Task Token_and_userinfo_requests_are_GETs_with_WeChats_parameters()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.Language = "zh_TW");
        await host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Alice);

        var requests = host.Fake.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        var token = WeChatTestHost.Query(requests[0]);
        Assert.Equal("/sns/oauth2/access_token", requests[0].AbsolutePath);
        Assert.Equal(["appid", "secret", "code", "grant_type"], token.Keys);
        Assert.Equal(FakeWeChat.AppId, token["appid"]);
        Assert.Equal("authorization_code", token["grant_type"]);
        var userinfo = WeChatTestHost.Query(requests[1]);
        Assert.Equal("/sns/userinfo", requests[1].AbsolutePath);
        Assert.Equal(["access_token", "openid", "lang"], userinfo.Keys);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, userinfo["openid"]);
        Assert.Equal("zh_TW", userinfo["lang"]);
    }

    [Fact]
    public async Task Base_scope_signs_in_from_the_token_response_without_calling_userinfo()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.Scope.Add(WeChatAuthenticationDefaults.BaseScope));
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal(WeChatTestHost.ReturnUrl, callback.Headers.Location!.OriginalString);
        Assert.Equal(0, host.Fake.UserInfoRequests);
        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(WeChatClaimTypes.OpenId));
        Assert.Equal("snsapi_base", me.Find(WeChatClaimTypes.Scope));
        Assert.Null(me.Find(ClaimTypes.Name));
    }

    [Fact]
    public async Task Base_scope_takes_unionid_from_the_token_response_when_present()
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(o => o.Scope.Add(WeChatAuthenticationDefaults.BaseScope), fake: fake);
        fake.TokenResponse = () => FakeWeChat.Json("""{"access_token":"ACCESS_x","expires_in":7200,"refresh_token":"REFRESH_x","openid":"oBase","scope":"snsapi_base","unionid":"uBase"}""");
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Bob);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("oBase", me.Find(WeChatClaimTypes.OpenId));
        Assert.Equal("uBase", me.Find(WeChatClaimTypes.UnionId));
    }

    [Fact]
    public async Task Snapshot_users_are_flagged_and_signed_in_from_the_token_response()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Snapshot);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("1", me.Find(WeChatClaimTypes.IsSnapshotUser));
        Assert.Equal(FakeWeChatUser.Snapshot.OpenId, me.Find(WeChatClaimTypes.OpenId));
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatSnapshotUserWithoutProfile");
    }

    [Theory]
    [InlineData(WeChatNameIdentifierSource.OpenId, "Alice", "oAlice_6_bmasdasdsad6_2sgVt7hM")]
    [InlineData(WeChatNameIdentifierSource.UnionId, "Alice", "o6_bmasdasdsad6_2sgVt7hMZOPfL")]
    [InlineData(WeChatNameIdentifierSource.UnionIdOrOpenId, "Alice", "o6_bmasdasdsad6_2sgVt7hMZOPfL")]
    [InlineData(WeChatNameIdentifierSource.UnionIdOrOpenId, "Bob", "oBob_9xk2LmQ7vR3sT8uW1yZ4aB6cD")]
    public async Task Name_identifier_follows_the_option(WeChatNameIdentifierSource source, string userName, string expected)
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.NameIdentifierSource = source);
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, userName == "Alice" ? FakeWeChatUser.Alice : FakeWeChatUser.Bob);

        Assert.Equal(expected, Assert.Single((await WeChatTestHost.GetMeAsync(browser)).All(ClaimTypes.NameIdentifier)));
    }

    [Fact]
    public async Task UnionId_name_identifier_without_a_unionid_is_a_clear_failure()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId);

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Bob));

        var failure = Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
        Assert.Contains("unionid", failure.Message, StringComparison.Ordinal);
        Assert.Contains("NameIdentifierSource", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveTokens_stores_access_refresh_and_expiry()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.SaveTokens = true);
        var browser = host.CreateBrowser();
        var before = DateTimeOffset.UtcNow;
        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var tokens = (await WeChatTestHost.GetMeAsync(browser)).Tokens;

        Assert.StartsWith("ACCESS_", tokens["access_token"], StringComparison.Ordinal);
        Assert.StartsWith("REFRESH_", tokens["refresh_token"], StringComparison.Ordinal);
        Assert.Contains(tokens["access_token"], host.Fake.IssuedSecrets);
        var expiresAt = DateTimeOffset.Parse(tokens["expires_at"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt, before.AddSeconds(7190), DateTimeOffset.UtcNow.AddSeconds(7210));
    }

    [Fact]
    public async Task Without_SaveTokens_no_token_is_stored()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Empty((await WeChatTestHost.GetMeAsync(browser)).Tokens);
    }

    [Fact]
    public async Task Refused_consent_honours_AccessDeniedPath()
    {
        await using var host = await WeChatTestHost.StartAsync(o => o.AccessDeniedPath = "/denied");
        var browser = host.CreateBrowser();

        var callback = await browser.GetAsync(FakeWeChat.Refuse(await WeChatTestHost.ChallengeAsync(browser)));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/denied?ReturnUrl=" + Uri.EscapeDataString(WeChatTestHost.ReturnUrl), callback.Headers.Location!.PathAndQuery);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task Refused_consent_without_AccessDeniedPath_is_an_access_denied_remote_failure()
    {
        Exception? failure = null;
        await using var host = await WeChatTestHost.StartAsync(o => o.Events.OnRemoteFailure = context =>
        {
            failure = context.Failure;
            context.Response.Redirect("/error");
            context.HandleResponse();
            return Task.CompletedTask;
        });
        var browser = host.CreateBrowser();

        var callback = await browser.GetAsync(FakeWeChat.Refuse(await WeChatTestHost.ChallengeAsync(browser)));

        Assert.Equal("/error", callback.Headers.Location!.OriginalString);
        var refused = Assert.IsType<WeChatAuthenticationException>(failure);
        Assert.Equal(WeChatFailureKind.AccessDenied, refused.Kind);
        Assert.Contains("Access was denied", refused.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_events_run()
    {
        var events = new List<string>();
        await using var host = await WeChatTestHost.StartAsync(o =>
        {
            o.Events.OnRedirectToAuthorizationEndpoint = context =>
            {
                events.Add("redirect");
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            o.Events.OnCreatingTicket = context =>
            {
                events.Add("creating:" + context.User.GetProperty("nickname").GetString());
                context.Identity!.AddClaim(new Claim("app:role", "member"));
                return Task.CompletedTask;
            };
            o.Events.OnTicketReceived = context =>
            {
                events.Add("received:" + context.Principal!.FindFirstValue(WeChatClaimTypes.OpenId));
                return Task.CompletedTask;
            };
        });
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Bob);

        Assert.Equal(["redirect", "creating:Bob", "received:" + FakeWeChatUser.Bob.OpenId], events);
        Assert.Equal("member", (await WeChatTestHost.GetMeAsync(browser)).Find("app:role"));
    }

    [Fact]
    public async Task Claim_actions_stay_customisable()
    {
        await using var host = await WeChatTestHost.StartAsync(o =>
        {
            o.ClaimActions.DeleteClaim(WeChatClaimTypes.HeadImageUrl);
            o.ClaimActions.MapJsonKey("app:nickname", "nickname");
        });
        var browser = host.CreateBrowser();
        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Null(me.Find(WeChatClaimTypes.HeadImageUrl));
        Assert.Equal(FakeWeChatUser.Alice.Nickname, me.Find("app:nickname"));
    }

    [Fact]
    public async Task A_replayed_callback_from_another_browser_fails_and_does_not_exchange_the_code_again()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        await browser.GetAsync(callbackUrl);

        var attacker = host.CreateBrowser();
        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => attacker.GetAsync(callbackUrl));

        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, exception.InnerException!.Message);
        Assert.Equal(1, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_repeated_callback_in_the_browser_it_signed_in_goes_to_the_return_url_without_a_second_exchange()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        await browser.GetAsync(callbackUrl);

        var repeated = await browser.GetAsync(callbackUrl);

        Assert.Equal(HttpStatusCode.Redirect, repeated.StatusCode);
        Assert.Equal(WeChatTestHost.ReturnUrl, repeated.Headers.Location!.OriginalString);
        Assert.Equal(1, host.Fake.TokenRequests);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatDuplicateCallback");
        Assert.Equal(FakeWeChatUser.Alice.OpenId, (await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.OpenId));
    }

    [Fact]
    public async Task A_repeated_callback_that_still_carries_the_correlation_cookie_goes_to_the_return_url()
    {
        // Android WeChat's second hit can leave before the first answer's Set-Cookie arrived.
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookiesBefore = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));
        await browser.GetAsync(callbackUrl);

        var second = host.CreateBrowser();
        var repeated = await second.GetAsync(callbackUrl, r => r.Headers.Add("Cookie", cookiesBefore));

        Assert.Equal(WeChatTestHost.ReturnUrl, repeated.Headers.Location!.OriginalString);
        Assert.Equal(1, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_repeated_callback_in_a_browser_signed_in_as_someone_else_fails()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var alice = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(alice), FakeWeChatUser.Alice);
        await alice.GetAsync(callbackUrl);
        var bob = host.CreateBrowser();
        await host.SignInAsync(bob, FakeWeChatUser.Bob);

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => bob.GetAsync(callbackUrl));

        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, exception.InnerException!.Message);
        Assert.Equal(FakeWeChatUser.Bob.OpenId, (await WeChatTestHost.GetMeAsync(bob)).Find(WeChatClaimTypes.OpenId));
    }

    [Theory]
    [InlineData("state=AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH")]
    [InlineData("state=not-alphanumeric!")]
    [InlineData("state=" + "A12345678901234567890123456789012")]
    [InlineData("state=")]
    [InlineData("")]
    public async Task Unknown_tampered_or_missing_state_is_an_expired_remote_failure(string stateQuery)
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        await WeChatTestHost.ChallengeAsync(browser);

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync("/signin-wechat?code=abc&" + stateQuery));

        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, exception.InnerException!.Message);
        Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_state_changed_by_one_character_is_unknown()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var state = WeChatTestHost.Query(new Uri(callbackUrl))["state"];
        var tampered = callbackUrl.Replace(state, (state[0] == 'A' ? 'B' : 'A') + state[1..], StringComparison.Ordinal);

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync(tampered));

        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, exception.InnerException!.Message);
    }

    [Fact]
    public async Task An_expired_state_is_an_expired_remote_failure_handled_by_OnRemoteFailure()
    {
        var cache = new RecordingDistributedCache();
        string? message = null;
        await using var host = await WeChatTestHost.StartAsync(
            o => o.Events.OnRemoteFailure = context =>
            {
                message = context.Failure!.Message;
                context.Response.Redirect("/error");
                context.HandleResponse();
                return Task.CompletedTask;
            },
            services: s => s.AddSingleton<IDistributedCache>(cache));
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);

        // What the cache does when RemoteAuthenticationTimeout has passed.
        await cache.RemoveAsync(Assert.Single(cache.Sets).Key);
        var callback = await browser.GetAsync(callbackUrl);

        Assert.Equal("/error", callback.Headers.Location!.OriginalString);
        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, message);
        Assert.Equal(0, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_missing_correlation_cookie_has_its_own_message_and_log_line()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var correlation = browser.Cookies.GetAllCookies().Single(c => c.Name.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
        browser.DeleteCookies(name => name.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync(callbackUrl));

        Assert.Equal(WeChatAuthenticationHandler.CorrelationCookieMissingMessage, exception.InnerException!.Message);
        var log = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatCorrelationCookieMissing");
        Assert.Contains("in-app browser", log.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Fake.TokenRequests);

        // The cookie's name is its secret (its value is a constant): with it and the callback URL from an access log,
        // anyone could finish this sign-in. Logs name the cookie, never its nonce.
        var nonce = correlation.Name[".AspNetCore.Correlation.".Length..];
        Assert.DoesNotContain(host.Logs.Entries, e => e.ToString().Contains(nonce, StringComparison.Ordinal));
    }

    [Fact]
    public async Task State_store_failure_at_the_callback_is_a_clear_remote_failure()
    {
        var cache = new RecordingDistributedCache();
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        cache.Fail = true;

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync(callbackUrl));

        Assert.Equal(WeChatAuthenticationHandler.StateStoreUnavailableMessage, exception.InnerException!.Message);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatStateStoreUnavailableAtCallback");
    }

    [Fact]
    public async Task Two_schemes_can_be_registered()
    {
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddAuthentication().AddWeChat("WeChatBase", o =>
        {
            o.AppId = FakeWeChat.AppId;
            o.AppSecret = FakeWeChat.AppSecret;
            o.CallbackPath = "/signin-wechat-base";
            o.Scope.Add(WeChatAuthenticationDefaults.BaseScope);
        }), pipeline: app => app.MapGet("/base", (HttpContext c) => c.ChallengeAsync("WeChatBase", new AuthenticationProperties { RedirectUri = "/me" })));
        var browser = host.CreateBrowser();

        var authorize = await WeChatTestHost.ChallengeAsync(browser, "/base");
        Assert.Equal("http://localhost/signin-wechat-base", WeChatTestHost.Query(authorize)["redirect_uri"]);
        var callback = await browser.GetAsync(host.Fake.Authorize(authorize, FakeWeChatUser.Bob));

        Assert.Equal("/me", callback.Headers.Location!.OriginalString);
        Assert.Equal("snsapi_base", (await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.Scope));
    }
}
