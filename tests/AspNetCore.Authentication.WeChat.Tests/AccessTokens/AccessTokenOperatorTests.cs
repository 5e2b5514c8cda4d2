using System.Diagnostics.Metrics;
using AspNetCore.Authentication.WeChat.AccessTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

public sealed class AccessTokenOperatorTests
{
    [Fact]
    public async Task A_force_refresh_replaces_the_token_at_once_through_force_refresh_true()
    {
        await using var host = TokenTestHost.Create();
        var leaked = await host.Provider.GetAsync();
        var op = host.Services.GetRequiredKeyedService<IWeChatAccessTokenOperator>(TokenTestHost.Name);

        await op.ForceRefreshAsync();

        var fresh = await host.Provider.GetAsync();
        Assert.NotEqual(leaked, fresh);
        Assert.False(host.WeChat.IsValid(leaked));
        Assert.Contains("\"force_refresh\":true", host.WeChat.RequestBodies.Last());
        Assert.Equal(1, host.WeChat.RequestBodies.Count(b => b.Contains("\"force_refresh\":true", StringComparison.Ordinal)));
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatAccessTokenForceRefreshed");
    }

    [Fact]
    public async Task Force_refreshes_are_kept_30_seconds_apart_and_to_20_a_day_without_calling_WeChat()
    {
        // 00:00:10 China Standard Time, so that the day does not end during the test.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 16, 0, 10, TimeSpan.Zero));
        await using var host = TokenTestHost.Create(time: time);
        var op = host.Services.GetRequiredKeyedService<IWeChatAccessTokenOperator>(TokenTestHost.Name);

        await op.ForceRefreshAsync();
        var tooSoon = await Assert.ThrowsAsync<WeChatApiException>(() => op.ForceRefreshAsync());
        Assert.Equal(WeChatFailureKind.RateLimited, tooSoon.Kind);
        Assert.Contains("30 seconds", tooSoon.Message);
        Assert.Equal(1, host.WeChat.Fetches);

        for (var i = 1; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await op.ForceRefreshAsync();
        }

        time.Advance(TimeSpan.FromSeconds(30));
        var tooMany = await Assert.ThrowsAsync<WeChatApiException>(() => op.ForceRefreshAsync());
        Assert.Contains("20 times today", tooMany.Message);
        Assert.Equal(20, host.WeChat.Fetches);

        // The quota is WeChat's day, in China Standard Time.
        time.Advance(TimeSpan.FromHours(24));
        await op.ForceRefreshAsync();
        Assert.Equal(21, host.WeChat.Fetches);
    }

    [Fact]
    public void The_provider_callers_get_cannot_force_a_refresh()
    {
        Assert.DoesNotContain(typeof(IWeChatAccessTokenProvider).GetMethods(), m => m.Name.Contains("Refresh", StringComparison.Ordinal) || m.GetParameters().Any(p => p.ParameterType == typeof(bool)));
    }

    [Fact]
    public async Task Metrics_count_hits_fetches_invalidations_and_failures_by_errcode_tagged_with_the_name_only()
    {
        await using var host = TokenTestHost.Create();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var hits = new MetricCollector<long>(meterFactory, WeChatAccessTokenMetrics.MeterName, "wechat.access_token.hits");
        using var fetches = new MetricCollector<long>(meterFactory, WeChatAccessTokenMetrics.MeterName, "wechat.access_token.fetches");
        using var invalidations = new MetricCollector<long>(meterFactory, WeChatAccessTokenMetrics.MeterName, "wechat.access_token.invalidations");
        using var failures = new MetricCollector<long>(meterFactory, WeChatAccessTokenMetrics.MeterName, "wechat.access_token.failures");

        var token = await host.Provider.GetAsync();
        await host.Provider.GetAsync();
        await host.Provider.GetAsync();
        await host.Provider.InvalidateAsync(token);
        host.WeChat.ErrorCode = 45009;
        await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());

        Assert.Equal(2, hits.GetMeasurementSnapshot().Count);
        var fetch = Assert.Single(fetches.GetMeasurementSnapshot());
        Assert.Equal("oa", fetch.Tags["wechat.access_token.name"]);
        Assert.Equal("stable", fetch.Tags["wechat.access_token.mode"]);
        Assert.Single(invalidations.GetMeasurementSnapshot());
        var failure = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("45009", failure.Tags["wechat.errcode"]);
        Assert.Equal("RateLimited", failure.Tags["wechat.failure.kind"]);
        Assert.All(new[] { fetch, failure }, m => Assert.DoesNotContain(m.Tags.Values, v => v is string s && s.Contains(token, StringComparison.Ordinal)));
    }
}
