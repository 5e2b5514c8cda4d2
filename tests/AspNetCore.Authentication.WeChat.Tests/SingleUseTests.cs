using System.Net;
using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// A state works once, atomically: of any number of callbacks carrying it, exactly one exchanges a code. A duplicate
/// from the browser that began the sign-in lands signed in as the same user; nobody else's request spends the state.
/// </summary>
public class SingleUseTests(ITestOutputHelper output)
{
    private const int Pairs = 200;

    public static TheoryData<bool, bool> Variants => new()
    {
        // same code twice / two different codes (for two different users), on the default store / on an IDistributedCache
        { true, false }, { false, false }, { true, true }, { false, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Two_hundred_simultaneous_pairs_of_callbacks_exchange_one_code_per_state_and_sign_in_one_user(bool sameCode, bool distributedCache)
    {
        var fake = new FakeWeChat { TokenDelay = TimeSpan.FromMilliseconds(5) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake, services: distributedCache ? s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache()) : null);

        var browsers = Enumerable.Range(0, Pairs).Select(_ => host.CreateBrowser()).ToArray();
        var authorizeUrls = await Task.WhenAll(browsers.Select(b => WeChatTestHost.ChallengeAsync(b)));
        var callbacks = authorizeUrls.Select((url, i) =>
        {
            var first = fake.Authorize(url, FakeWeChatUser.Numbered(i));
            // Android's double callback reuses the code; an attacker (or WeChat) may bring a second code, here for another user.
            return (First: first, Second: sameCode ? first : fake.Authorize(url, FakeWeChatUser.Numbered(i + 10_000)));
        }).ToArray();

        var outcomes = await Task.WhenAll(browsers.Select(async (browser, i) =>
        {
            var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));
            var responses = await Task.WhenAll(
                SendWithCookiesAsync(host, callbacks[i].First, cookies),
                SendWithCookiesAsync(host, callbacks[i].Second, cookies));
            var identities = new List<string?>();
            foreach (var response in responses)
            {
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                Assert.Equal(WeChatTestHost.ReturnUrl, response.Headers.Location!.OriginalString);
                identities.Add(await IdentityOfAsync(host, response));
            }

            return identities;
        }));

        Assert.Equal(Pairs, fake.TokenRequests);
        for (var i = 0; i < Pairs; i++)
        {
            // Each response that signs in signs in the same user, one of the two the codes were issued for.
            var signedIn = outcomes[i].Where(id => id is not null).Distinct().ToList();
            var who = Assert.Single(signedIn);
            Assert.Contains(who, new[] { FakeWeChatUser.Numbered(i).OpenId, FakeWeChatUser.Numbered(i + 10_000).OpenId });
        }

        output.WriteLine($"{Pairs} pairs ({(sameCode ? "same code" : "two codes")}, {(distributedCache ? "IDistributedCache" : "default store")}): {fake.TokenRequests} token exchanges, " +
                         $"{outcomes.Sum(o => o.Count(id => id is not null))} responses signed in");
    }

    [Fact]
    public async Task A_cookieless_request_with_the_callback_url_does_not_spend_the_state()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var owner = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(owner), FakeWeChatUser.Alice);

        // A link preview, a proxy's prefetch or an attacker who saw the URL: no correlation cookie.
        var stranger = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.CreateBrowser().GetAsync(callbackUrl));
        Assert.Equal(WeChatAuthenticationHandler.CorrelationCookieMissingMessage, stranger.InnerException!.Message);
        Assert.Equal(0, host.Fake.TokenRequests);

        var callback = await owner.GetAsync(callbackUrl);

        Assert.Equal(WeChatTestHost.ReturnUrl, callback.Headers.Location!.OriginalString);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, (await WeChatTestHost.GetMeAsync(owner)).Find(WeChatClaimTypes.OpenId));
        Assert.Equal(1, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_browser_whose_sign_in_failed_is_not_sent_on_as_a_repeat()
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Error(40029, "invalid code") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();
        var callbackUrl = fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));
        await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync(callbackUrl));

        // Even with the correlation cookie still there, a used state that signed nobody in is "expired or already used".
        var again = await Assert.ThrowsAsync<AuthenticationFailureException>(() => SendWithCookiesAsync(host, callbackUrl, cookies));

        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, again.InnerException!.Message);
        Assert.Equal(1, fake.TokenRequests);
    }

    [Fact]
    public async Task A_duplicate_waiting_for_a_failing_exchange_fails_too_and_signs_nobody_in()
    {
        var fake = new FakeWeChat { TokenDelay = TimeSpan.FromMilliseconds(300), TokenResponse = () => FakeWeChat.Error(-1, "system error") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();
        var callbackUrl = fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        var first = SendWithCookiesAsync(host, callbackUrl, cookies);
        // The first has claimed the state once it is exchanging the code (not after a fixed head start, which a busy
        // machine can outrun).
        await UntilAsync(() => fake.TokenRequests >= 1);
        var second = SendWithCookiesAsync(host, callbackUrl, cookies);

        await Assert.ThrowsAsync<AuthenticationFailureException>(() => first);
        var duplicate = await Assert.ThrowsAsync<AuthenticationFailureException>(() => second);
        Assert.Equal(WeChatAuthenticationHandler.ExpiredMessage, duplicate.InnerException!.Message);
        Assert.Equal(1, fake.TokenRequests);
    }

    [Fact]
    public async Task When_the_browser_abandons_the_first_callback_its_duplicate_still_signs_in()
    {
        // Android WeChat's second hit replaces the first navigation: the first request is aborted mid-exchange.
        var fake = new FakeWeChat { TokenDelay = TimeSpan.FromMilliseconds(400) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();
        var callbackUrl = fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        using var abandon = new CancellationTokenSource();
        var first = SendWithCookiesAsync(host, callbackUrl, cookies, abandon.Token);
        await UntilAsync(() => fake.TokenRequests >= 1);
        await abandon.CancelAsync();
        var second = await SendWithCookiesAsync(host, callbackUrl, cookies);

        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(WeChatTestHost.ReturnUrl, second.Headers.Location!.OriginalString);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, await IdentityOfAsync(host, second));
        Assert.Equal(1, fake.TokenRequests);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_user_refused_in_OnTicketReceived_stays_refused_when_the_callback_repeats(bool distributedCache)
    {
        await using var host = await WeChatTestHost.StartAsync(
            o => o.Events.OnTicketReceived = context =>
            {
                if (context.Principal!.HasClaim(WeChatClaimTypes.OpenId, FakeWeChatUser.Alice.OpenId))
                {
                    // How an app refuses a user there: answer, and do not sign in.
                    context.Response.Redirect("/denied?banned=1");
                    context.HandleResponse();
                }

                return Task.CompletedTask;
            },
            services: distributedCache ? s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache()) : null);
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        var refused = await SendWithCookiesAsync(host, callbackUrl, cookies);
        var repeated = await SendWithCookiesAsync(host, callbackUrl, cookies);

        foreach (var response in new[] { refused, repeated })
        {
            Assert.Equal("/denied?banned=1", response.Headers.Location!.OriginalString);
            Assert.Null(await IdentityOfAsync(host, response));
        }

        Assert.Equal(1, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_duplicate_callback_runs_OnTicketReceived_as_the_first_did()
    {
        var runs = 0;
        await using var host = await WeChatTestHost.StartAsync(o => o.Events.OnTicketReceived = context =>
        {
            Interlocked.Increment(ref runs);
            ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim("app:local-user", "42"));
            context.ReturnUri = "/me?from=ticket-received";
            return Task.CompletedTask;
        });
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        var first = await SendWithCookiesAsync(host, callbackUrl, cookies);
        var second = await SendWithCookiesAsync(host, callbackUrl, cookies);

        foreach (var response in new[] { first, second })
        {
            Assert.Equal("/me?from=ticket-received", response.Headers.Location!.OriginalString);
            var me = await MeOfAsync(host, response);
            Assert.Equal("42", me!.Find("app:local-user"));
            Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(WeChatClaimTypes.OpenId));
        }

        Assert.Equal(2, runs);
        Assert.Equal(1, host.Fake.TokenRequests);
    }

    [Fact]
    public async Task A_shared_cache_without_a_shared_atomic_store_is_reported_at_start_up()
    {
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache()));

        var warning = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatStateSingleUsePerInstance");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains(typeof(RecordingDistributedCache).FullName!, warning.Message, StringComparison.Ordinal);
        Assert.Contains("AddWeChatStackExchangeRedis", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task No_start_up_warning_without_a_shared_cache_or_with_a_shared_atomic_store(bool sharedCacheAndStore)
    {
        await using var host = await WeChatTestHost.StartAsync(services: sharedCacheAndStore
            ? s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache()).AddSingleton<IWeChatAtomicStore, SharedStore>()
            : null);

        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Name == "WeChatStateSingleUsePerInstance");
    }

    [Fact]
    public async Task A_claim_that_times_out_is_given_back_so_the_same_browsers_retry_signs_in_at_once()
    {
        // The claim reaches Redis after the handler stopped waiting for it: the state must not stay claimed by nobody.
        var atomic = new SlowFirstClaim(TimeSpan.FromMilliseconds(600));
        await using var host = await WeChatTestHost.StartAsync(
            configure: o => (o.StateStoreTimeout, o.BackchannelTimeout) = (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5)),
            services: s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache()).AddSingleton<IWeChatAtomicStore>(atomic));
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        var first = await Assert.ThrowsAsync<AuthenticationFailureException>(() => SendWithCookiesAsync(host, callbackUrl, cookies));
        Assert.Equal(WeChatFailureKind.StateStoreUnavailable, Assert.IsType<WeChatAuthenticationException>(first.InnerException).Kind);
        await atomic.FirstClaimDone.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(100);

        var started = DateTime.UtcNow;
        var retry = await SendWithCookiesAsync(host, callbackUrl, cookies).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, await IdentityOfAsync(host, retry));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), $"The retry took {DateTime.UtcNow - started}.");
        Assert.Equal(1, host.Fake.TokenRequests);
    }

    /// <summary>The in-process atomic store, whose first add completes only after a delay (a stalled Redis).</summary>
    private sealed class SlowFirstClaim(TimeSpan delay) : IWeChatAtomicStore
    {
        private readonly MemoryWeChatAtomicStore _inner = new(TimeProvider.System);
        private readonly TaskCompletionSource _firstDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _adds;

        public Task FirstClaimDone => _firstDone.Task;

        public bool IsShared => true;

        public async Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _adds) == 1)
            {
                await Task.Delay(delay, CancellationToken.None);
                var added = await _inner.TryAddAsync(key, value, lifetime, CancellationToken.None);
                _firstDone.SetResult();
                return added;
            }

            return await _inner.TryAddAsync(key, value, lifetime, cancellationToken);
        }

        public Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expectedValue, CancellationToken cancellationToken = default)
            => _inner.TryRemoveAsync(key, expectedValue, cancellationToken);
    }

    private static async Task<HttpResponseMessage> SendWithCookiesAsync(WeChatTestHost host, string url, string cookies, CancellationToken cancellationToken = default)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri("http://localhost/"), url));
        request.Headers.Add("Cookie", cookies);
        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>The openid a response's own sign-in cookie identifies, or null when it sets none.</summary>
    private static async Task<string?> IdentityOfAsync(WeChatTestHost host, HttpResponseMessage response)
        => (await MeOfAsync(host, response))?.Find(ClaimTypes.NameIdentifier);

    /// <summary>Who a response's own sign-in cookie signs in, or null when it sets none.</summary>
    private static async Task<SignedInUser?> MeOfAsync(WeChatTestHost host, HttpResponseMessage response)
    {
        var browser = host.CreateBrowser();
        var uri = new Uri("http://localhost/");
        foreach (var setCookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            browser.Cookies.SetCookies(uri, setCookie);
        }

        if (!browser.Cookies.GetAllCookies().Any(c => c.Name.StartsWith(".AspNetCore.Cookies", StringComparison.Ordinal) && !c.Expired))
        {
            return null;
        }

        return await WeChatTestHost.GetMeAsync(browser);
    }

    /// <summary>Stands in for a shared store (Redis): the in-process one, saying it is shared.</summary>
    private sealed class SharedStore : IWeChatAtomicStore
    {
        private readonly MemoryWeChatAtomicStore _inner = new(TimeProvider.System);

        public bool IsShared => true;

        public Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default)
            => _inner.TryAddAsync(key, value, lifetime, cancellationToken);

        public Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default)
            => _inner.TryRemoveAsync(key, expected, cancellationToken);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the condition.");
            await Task.Delay(5);
        }
    }
}
