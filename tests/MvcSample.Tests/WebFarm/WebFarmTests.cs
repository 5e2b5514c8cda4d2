using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// Sign-ins that start on one instance and finish on another, against a real redis-server, and what users see when
/// Redis fails. Skipped (with the reason) without redis-server, except under CI=true where that fails.
/// </summary>
public sealed class WebFarmTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Tests of what users see when Redis fails use short timeouts, so that they finish quickly; the others use timeouts a
    // production app would, so that hundreds of concurrent sign-ins on a busy 2-core machine are not taken for a fault.
    private static readonly TimeSpan StateStoreTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FaultRedisTimeout = TimeSpan.FromSeconds(1);
    private WebFarm? _farm;

    private WebFarm Farm => _farm!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_farm is not null)
        {
            await _farm.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Challenge_on_A_callback_on_B_signs_in_the_right_user_at_the_original_return_url()
    {
        await StartFarmAsync(faults: false);
        var browser = Farm.CreateBrowser();
        var authorize = await browser.ChallengeAsync(Farm.A);

        var callback = await browser.GetAsync(Farm.B, await WebFarm.ConsentAsync(authorize, user: 7));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/Profile", callback.Headers.Location!.OriginalString);
        var (_, profile) = await browser.FollowAsync(Farm.A, new Uri("http://localhost/Profile"));
        Assert.Equal("oFarmUser0007", SampleFactory.Element(profile, "openid"));
    }

    [SkippableFact]
    public async Task A_state_used_on_B_cannot_be_used_again_on_A()
    {
        await StartFarmAsync(faults: false);
        var browser = Farm.CreateBrowser();
        var callbackUrl = await WebFarm.ConsentAsync(await browser.ChallengeAsync(Farm.A), user: 1);
        await browser.FollowAsync(Farm.B, callbackUrl);

        var (path, html) = await Farm.CreateBrowser().FollowAsync(Farm.A, callbackUrl);

        Assert.StartsWith("/Account/Failed", path, StringComparison.Ordinal);
        Assert.Equal(SampleFactory.FailureText(AspNetCore.Authentication.WeChat.WeChatFailureKind.StateExpired), SampleFactory.Element(html, "failure-message"));
    }

    [SkippableFact]
    public async Task Two_hundred_concurrent_sign_ins_across_both_instances_each_end_as_their_own_user()
    {
        await StartFarmAsync(faults: false);
        var random = new Random(20261121);
        var instances = Enumerable.Range(0, WebFarm.NumberedUsers).Select(_ => (Challenge: random.Next(2), Callback: random.Next(2), Profile: random.Next(2))).ToArray();
        var started = Stopwatch.StartNew();

        var openIds = await Task.WhenAll(Enumerable.Range(0, WebFarm.NumberedUsers).Select(async i =>
        {
            var pick = instances[i];
            var browser = Farm.CreateBrowser();
            var authorize = await browser.ChallengeAsync(pick.Challenge == 0 ? Farm.A : Farm.B);
            var callback = await browser.GetAsync(pick.Callback == 0 ? Farm.A : Farm.B, await WebFarm.ConsentAsync(authorize, i));
            Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
            Assert.Equal("/Profile", callback.Headers.Location!.OriginalString);
            var (_, profile) = await browser.FollowAsync(pick.Profile == 0 ? Farm.A : Farm.B, new Uri("http://localhost/Profile"));
            return SampleFactory.Element(profile, "openid");
        }));

        output.WriteLine($"{WebFarm.NumberedUsers} concurrent sign-ins across two instances took {started.ElapsedMilliseconds} ms");
        for (var i = 0; i < WebFarm.NumberedUsers; i++)
        {
            Assert.Equal(WebFarm.User(i).OpenId, openIds[i]);
        }

        Assert.Contains(instances, p => p.Challenge != p.Callback);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_hundred_simultaneous_pairs_of_callbacks_one_on_each_instance_exchange_one_code_per_state(bool sameCode)
    {
        await StartFarmAsync(faults: false);
        var emulator = Farm.Emulator.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>();
        var exchangesBefore = emulator.ExchangeCount;
        var started = Stopwatch.StartNew();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, WebFarm.NumberedUsers).Select(async i =>
        {
            var browser = Farm.CreateBrowser();
            var authorize = await browser.ChallengeAsync(i % 2 == 0 ? Farm.A : Farm.B);
            var first = await WebFarm.ConsentAsync(authorize, i);
            // Android's double callback (the same code), or a second code for the same state, here for another user.
            var second = sameCode ? first : await WebFarm.ConsentAsync(authorize, (i + 1) % WebFarm.NumberedUsers);

            var responses = await Task.WhenAll(browser.GetAsync(Farm.A, first), browser.GetAsync(Farm.B, second));
            var signedIn = new List<string?>();
            foreach (var response in responses)
            {
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                Assert.Equal("/Profile", response.Headers.Location!.OriginalString);
                var (path, page) = await browser.WithCookiesOf(response).FollowAsync(Farm.A, new Uri("http://localhost/Profile"));
                signedIn.Add(path == "/Profile" ? SampleFactory.Element(page, "openid") : null);
            }

            return signedIn;
        }));

        output.WriteLine($"{WebFarm.NumberedUsers} pairs ({(sameCode ? "same code" : "two codes")}) across two instances: {emulator.ExchangeCount - exchangesBefore} token exchanges, " +
                         $"{outcomes.Sum(o => o.Count(id => id is not null))} of {2 * WebFarm.NumberedUsers} responses signed in, {started.ElapsedMilliseconds} ms");
        Assert.Equal(WebFarm.NumberedUsers, emulator.ExchangeCount - exchangesBefore);
        for (var i = 0; i < WebFarm.NumberedUsers; i++)
        {
            // Both answers sign the browser in, and as one user: never two sign-ins for one state.
            Assert.All(outcomes[i], id => Assert.NotNull(id));
            var who = Assert.Single(outcomes[i].Distinct());
            Assert.Contains(who, new[] { WebFarm.User(i).OpenId, WebFarm.User((i + 1) % WebFarm.NumberedUsers).OpenId });
        }

        Assert.DoesNotContain("WeChatStateSingleUsePerInstance", string.Join('\n', Farm.Logs), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Redis_restarted_between_challenge_and_callback_means_sign_in_expired_then_the_next_attempt_succeeds()
    {
        await StartFarmAsync(faults: true);
        var browser = Farm.CreateBrowser();
        var callbackUrl = await WebFarm.ConsentAsync(await browser.ChallengeAsync(Farm.A), user: 2);

        await Farm.Redis.StopAsync();
        await Farm.Redis.StartAgainAsync();
        await WaitUntilCacheAnswersAsync(Farm.B);
        var (path, html) = await browser.FollowAsync(Farm.B, callbackUrl);

        Assert.StartsWith("/Account/Failed", path, StringComparison.Ordinal);
        Assert.Equal(SampleFactory.FailureText(AspNetCore.Authentication.WeChat.WeChatFailureKind.StateExpired), SampleFactory.Element(html, "failure-message"));

        var (retryPath, retry) = await browser.FollowAsync(Farm.B, await WebFarm.ConsentAsync(await browser.ChallengeAsync(Farm.B), user: 2));
        Assert.Equal("/Profile", retryPath);
        Assert.Equal("oFarmUser0002", SampleFactory.Element(retry, "openid"));
    }

    [SkippableFact]
    public async Task Redis_down_at_the_challenge_answers_503_promptly_and_at_the_callback_shows_try_again()
    {
        await StartFarmAsync(faults: true);
        var browser = Farm.CreateBrowser();
        var pendingCallback = await WebFarm.ConsentAsync(await browser.ChallengeAsync(Farm.A), user: 3);
        await Farm.Redis.StopAsync();

        var watch = Stopwatch.StartNew();
        var challenge = await Farm.CreateBrowser().GetAsync(Farm.A, "/Account/SignIn");
        var challengeLatency = watch.Elapsed;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, challenge.StatusCode);
        Assert.Contains("Sign-in is unavailable right now", await challenge.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        watch.Restart();
        var (path, html) = await browser.FollowAsync(Farm.B, pendingCallback);
        var callbackLatency = watch.Elapsed;
        Assert.StartsWith("/Account/Failed", path, StringComparison.Ordinal);
        Assert.Equal(SampleFactory.FailureText(AspNetCore.Authentication.WeChat.WeChatFailureKind.StateStoreUnavailable), SampleFactory.Element(html, "failure-message"));
        Assert.DoesNotContain(KestrelHosts.EmulatorSecret, html, StringComparison.Ordinal);
        var logs = string.Join('\n', Farm.Logs);
        Assert.Contains("WeChatStateStoreUnavailableAtChallenge", logs, StringComparison.Ordinal);
        Assert.Contains("WeChatStateStoreUnavailableAtCallback", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(KestrelHosts.EmulatorSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token=", logs, StringComparison.Ordinal);

        output.WriteLine($"Redis down: challenge answered 503 after {challengeLatency.TotalMilliseconds:0} ms, callback failed after {callbackLatency.TotalMilliseconds:0} ms");
        Assert.True(challengeLatency < TimeSpan.FromSeconds(5), $"challenge took {challengeLatency}");
        Assert.True(callbackLatency < TimeSpan.FromSeconds(5), $"callback took {callbackLatency}");
    }

    [SkippableFact]
    public async Task A_paused_Redis_fails_the_request_within_StateStoreTimeout_and_sign_in_recovers_after()
    {
        await StartFarmAsync(faults: true);
        // CLIENT PAUSE ALL also holds CLIENT UNPAUSE, so the pause simply runs out.
        await Farm.Redis.PauseAsync(TimeSpan.FromSeconds(5));

        var watch = Stopwatch.StartNew();
        var challenge = await Farm.CreateBrowser().GetAsync(Farm.A, "/Account/SignIn");
        var latency = watch.Elapsed;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, challenge.StatusCode);
        // Whichever comes first: the Redis client's own timeout (asyncTimeout, 1 s in RedisServer.Configuration) or
        // StateStoreTimeout (2 s here).
        output.WriteLine($"Redis paused: challenge answered 503 after {latency.TotalMilliseconds:0} ms (asyncTimeout 1000 ms, StateStoreTimeout {StateStoreTimeout.TotalMilliseconds} ms)");
        Assert.InRange(latency, TimeSpan.FromMilliseconds(900), StateStoreTimeout + TimeSpan.FromSeconds(1));

        await WaitUntilCacheAnswersAsync(Farm.A);
        await WaitUntilCacheAnswersAsync(Farm.B);
        var browser = Farm.CreateBrowser();
        var (path, html) = await browser.FollowAsync(Farm.B, await WebFarm.ConsentAsync(await browser.ChallengeAsync(Farm.A), user: 4));
        Assert.Equal("/Profile", path);
        Assert.Equal("oFarmUser0004", SampleFactory.Element(html, "openid"));
    }

    private async Task StartFarmAsync(bool faults)
    {
        var missing = RedisServer.MissingReason();
        Skip.If(missing is not null, missing);
        _farm = faults
            ? await WebFarm.StartAsync(StateStoreTimeout, FaultRedisTimeout)
            : await WebFarm.StartAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
    }

    /// <summary>The instance's Redis client reconnects in the background: wait until its cache answers again.</summary>
    private static async Task WaitUntilCacheAnswersAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> instance)
    {
        var cache = (Microsoft.Extensions.Caching.Distributed.IDistributedCache)instance.Services.GetService(typeof(Microsoft.Extensions.Caching.Distributed.IDistributedCache))!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                await cache.GetAsync("probe").WaitAsync(TimeSpan.FromSeconds(1));
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
