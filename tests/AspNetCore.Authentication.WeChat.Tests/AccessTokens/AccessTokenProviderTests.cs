using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

public sealed class AccessTokenProviderTests
{
    [Fact]
    public async Task A_thousand_concurrent_first_callers_cause_one_fetch_and_all_get_its_token()
    {
        await using var host = TokenTestHost.Create();
        host.WeChat.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(async () => await host.Provider.GetAsync())).ToArray();
        // Every caller is waiting on the one fetch before WeChat answers it.
        await WaitUntilAsync(() => host.WeChat.Fetches >= 1);
        await Task.Delay(200);
        host.WeChat.Gate.SetResult();
        var tokens = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, host.WeChat.Fetches);
        Assert.Single(tokens.Distinct());
        Assert.True(host.WeChat.IsValid(tokens[0]));
    }

    [Fact]
    public async Task A_caller_that_saw_no_token_and_asks_after_the_first_fetch_ended_gets_that_token_not_a_second_fetch()
    {
        // Found by the benchmark of 1,000 first callers, which made two calls once in a few iterations: a caller read
        // "no token", was preempted while the one fetch stored its token and finished, and then started another. The
        // clock holds that caller at exactly that point (its first look at the time, after it saw no token).
        var clock = new HoldingClock(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var host = TokenTestHost.Create(services: s => s.AddSingleton<TimeProvider>(clock));

        var late = Task.Run(async () => await host.Provider.GetAsync());
        Assert.True(clock.Held.Wait(TimeSpan.FromSeconds(10)), "The late caller never looked at the clock.");
        var first = await host.Provider.GetAsync();
        await WaitUntilAsync(() => host.Internal.PendingRefresh is null);
        clock.Release.Set();

        Assert.Equal(first, await late.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, host.WeChat.Fetches);
    }

    /// <summary>A clock that holds the first caller of <see cref="GetUtcNow"/> until released.</summary>
    private sealed class HoldingClock(TimeProvider inner) : TimeProvider
    {
        private int _calls;

        public ManualResetEventSlim Held { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Held.Set();
                Release.Wait(TimeSpan.FromSeconds(10));
            }

            return inner.GetUtcNow();
        }

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => inner.CreateTimer(callback, state, dueTime, period);
    }

    [Fact]
    public async Task A_cached_token_is_handed_out_without_asking_WeChat_again()
    {
        await using var host = TokenTestHost.Create();
        var first = await host.Provider.GetAsync();
        host.Time.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(first, await host.Provider.GetAsync());
        }

        Assert.Equal(1, host.WeChat.Fetches);
    }

    [Theory]
    [InlineData(WeChatAccessTokenMode.Stable)]
    [InlineData(WeChatAccessTokenMode.Classic)]
    public async Task Across_a_simulated_day_no_caller_is_ever_handed_a_token_WeChat_no_longer_takes(WeChatAccessTokenMode mode)
    {
        await using var host = TokenTestHost.Create(o => o.Mode = mode);
        var handedOut = new HashSet<string>();
        var end = host.Time.GetUtcNow() + TimeSpan.FromDays(1);
        while (host.Time.GetUtcNow() < end)
        {
            var token = await host.Provider.GetAsync();
            Assert.True(host.WeChat.IsValid(token), $"Handed out a dead token at {host.Time.GetUtcNow():HH:mm:ss}.");
            handedOut.Add(token);
            await host.SettleAsync();
            host.Time.Advance(TimeSpan.FromSeconds(20));
        }

        // A token lives 7,200 s and is refreshed 5 minutes early: about 12.5 fetches a day, never a storm.
        Assert.InRange(host.WeChat.Fetches, 12, 14);
        Assert.Equal(host.WeChat.Fetches, handedOut.Count);
    }

    [Fact]
    public async Task While_a_refresh_ahead_is_in_flight_callers_keep_getting_the_still_valid_token()
    {
        await using var host = TokenTestHost.Create();
        var first = await host.Provider.GetAsync();
        host.Time.Advance(TimeSpan.FromSeconds(7200 - 200));
        host.WeChat.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(first, await host.Provider.GetAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }

        await WaitUntilAsync(() => host.WeChat.Fetches == 2);
        host.WeChat.Gate.SetResult();
        await host.SettleAsync();
        Assert.NotEqual(first, await host.Provider.GetAsync());
        Assert.Equal(2, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_stable_token_is_fetched_in_normal_mode_with_the_apps_credentials_in_a_JSON_body()
    {
        await using var host = TokenTestHost.Create();
        await host.Provider.GetAsync();

        var body = Assert.Single(host.WeChat.RequestBodies);
        Assert.Equal(
            $$"""{"grant_type":"client_credential","appid":"{{FakeTokenWeChat.AppId}}","secret":"{{FakeTokenWeChat.AppSecret}}","force_refresh":false}""",
            body);
    }

    [Fact]
    public async Task A_caller_waits_no_longer_than_WaitTimeout_for_a_token_WeChat_does_not_give()
    {
        await using var host = TokenTestHost.Create(o => o.WaitTimeout = TimeSpan.FromSeconds(3));
        host.WeChat.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var caller = host.Provider.GetAsync().AsTask();
        await WaitUntilAsync(() => host.WeChat.Fetches == 1);
        host.Time.Advance(TimeSpan.FromSeconds(3));

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => caller.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WeChatFailureKind.WeChatTimeout, failure.Kind);
        Assert.Contains("WaitTimeout", failure.Message);
        host.WeChat.Gate.SetResult();
    }

    [Fact]
    public async Task Invalidating_a_token_drops_only_that_token_so_a_storm_of_rejections_causes_one_refresh()
    {
        await using var host = TokenTestHost.Create();
        var first = await host.Provider.GetAsync();
        host.WeChat.Revoke(first);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => host.Provider.InvalidateAsync(first).AsTask()));
        var second = await host.Provider.GetAsync();
        Assert.NotEqual(first, second);

        // A late rejection of the old token leaves the new one alone.
        await host.Provider.InvalidateAsync(first);
        Assert.Equal(second, await host.Provider.GetAsync());
        Assert.Equal(2, host.WeChat.Fetches);
    }

    [Fact]
    public async Task Two_apps_and_two_modes_of_one_app_never_share_a_token_in_a_shared_cache()
    {
        var cache = new RecordingDistributedCache();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var weChat = new FakeTokenWeChat(time);
        await using var stable = TokenTestHost.Create(sharedCache: cache, time: time, weChat: weChat);
        await using var classic = TokenTestHost.Create(o => o.Mode = WeChatAccessTokenMode.Classic, sharedCache: cache, time: time, weChat: weChat);
        await using var otherApp = TokenTestHost.Create(o => o.AppId = "wx0000000000000000", sharedCache: cache, time: time);

        var a = await stable.Provider.GetAsync();
        var b = await classic.Provider.GetAsync();
        await Assert.ThrowsAsync<WeChatApiException>(async () => await otherApp.Provider.GetAsync());

        Assert.NotEqual(a, b);
        Assert.Equal(2, cache.Sets.Select(s => s.Key).Distinct().Count());
        Assert.All(cache.Sets, s => Assert.Contains(FakeTokenWeChat.AppId, s.Key));
        Assert.Contains(cache.Sets, s => s.Key.Contains("Stable", StringComparison.Ordinal));
        Assert.Contains(cache.Sets, s => s.Key.Contains("Classic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_shared_cache_holds_the_token_data_protected_and_a_second_instance_adopts_it()
    {
        var cache = new RecordingDistributedCache();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var weChat = new FakeTokenWeChat(time);
        var keys = new DirectoryInfo(Path.Combine(Path.GetTempPath(), "wechat-keys-" + Guid.NewGuid().ToString("N")));
        void SharedKeys(IServiceCollection s) => s.AddDataProtection().PersistKeysToFileSystem(keys).SetApplicationName("farm");
        try
        {
            await using var a = TokenTestHost.Create(sharedCache: cache, time: time, weChat: weChat, services: SharedKeys);
            await using var b = TokenTestHost.Create(sharedCache: cache, time: time, weChat: weChat, services: SharedKeys);

            var token = await a.Provider.GetAsync();
            Assert.Equal(token, await b.Provider.GetAsync());
            Assert.Equal(1, weChat.Fetches);
            var stored = Assert.Single(cache.Sets);
            Assert.DoesNotContain(token, System.Text.Encoding.UTF8.GetString(stored.Value));
            Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(7200), stored.Options.AbsoluteExpiration);
        }
        finally
        {
            keys.Refresh();
            if (keys.Exists)
            {
                keys.Delete(recursive: true);
            }
        }
    }

    [Fact]
    public async Task With_the_shared_cache_down_the_in_process_token_keeps_serving_and_a_fetch_still_works()
    {
        var cache = new RecordingDistributedCache { Fail = true };
        await using var host = TokenTestHost.Create(sharedCache: cache);

        var first = await host.Provider.GetAsync();
        Assert.True(host.WeChat.IsValid(first));
        host.Time.Advance(TimeSpan.FromSeconds(7200 - 100));
        Assert.Equal(first, await host.Provider.GetAsync());
        await host.SettleAsync();
        var second = await host.Provider.GetAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(2, host.WeChat.Fetches);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatAccessTokenSharedStoreUnavailable");
    }

    [Fact]
    public async Task Missing_credentials_stop_the_app_at_start_naming_the_setting()
    {
        await using var host = TokenTestHost.Create(o => o.AppSecret = "");
        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptionsMonitor<WeChatAccessTokenOptions>>().Get(TokenTestHost.Name));
        Assert.Contains("'AppSecret'", failure.Message);
        Assert.Contains("'oa'", failure.Message);
    }

    [Fact]
    public async Task A_lease_shorter_than_the_longest_refresh_stops_the_app_at_start()
    {
        await using var host = TokenTestHost.Create(o => o.LockLease = TimeSpan.FromSeconds(30));
        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptionsMonitor<WeChatAccessTokenOptions>>().Get(TokenTestHost.Name));
        Assert.Contains("'LockLease'", failure.Message);
        Assert.Contains("(32 s)", failure.Message);
    }

    [Fact]
    public async Task No_log_line_carries_a_token_or_the_AppSecret()
    {
        await using var host = TokenTestHost.Create();
        var token = await host.Provider.GetAsync();
        await host.Provider.InvalidateAsync(token);
        var second = await host.Provider.GetAsync();
        host.WeChat.ErrorCode = 40164;
        host.WeChat.ErrorMessage = "invalid ip 198.51.100.23 ipv6 ::ffff:198.51.100.23, not in whitelist";
        host.Time.Advance(TimeSpan.FromSeconds(10)); // a second rejection refetches only after RetryInterval
        await host.Provider.InvalidateAsync(second);
        await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());

        var text = host.Logs.AllText;
        Assert.NotEmpty(host.Logs.Entries);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(second, text);
        Assert.DoesNotContain(FakeTokenWeChat.AppSecret, text);
        Assert.DoesNotContain("198.51.100.23", text);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the condition.");
            await Task.Delay(10);
        }
    }
}
