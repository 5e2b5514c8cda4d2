using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

/// <summary>What WeChat's token APIs refuse with, and that none of it turns into a storm of calls.</summary>
public sealed class AccessTokenFailureTests
{
    [Theory]
    [InlineData(WeChatAccessTokenMode.Classic, "secret", 40001)]
    [InlineData(WeChatAccessTokenMode.Stable, "secret", 40125)]
    [InlineData(WeChatAccessTokenMode.Stable, "appid", 40125)]
    public async Task Wrong_credentials_are_a_configuration_failure_and_are_not_retried(WeChatAccessTokenMode mode, string wrong, int errorCode)
    {
        await using var host = TokenTestHost.Create(o =>
        {
            o.Mode = mode;
            if (wrong == "secret")
            {
                o.AppSecret = "not-the-secret";
            }
            else
            {
                o.AppId = "wx0000000000000000";
            }
        });

        var failure = await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        Assert.Equal(WeChatFailureKind.ConfigurationError, failure.Kind);
        Assert.Equal(errorCode, failure.ErrorCode);
        Assert.Contains("AppSecret", failure.Message);
        Assert.DoesNotContain("not-the-secret", failure.Message);

        // Callers within the retry interval get the failure at once; WeChat is asked again only after it.
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        }

        Assert.Equal(1, host.WeChat.Fetches);
        host.Time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        Assert.Equal(2, host.WeChat.Fetches);
    }

    [Fact]
    public async Task An_IP_not_whitelisted_says_so_without_the_IP_and_WeChat_is_asked_at_most_once_per_interval()
    {
        await using var host = TokenTestHost.Create();
        host.WeChat.ErrorCode = 40164;
        host.WeChat.ErrorMessage = "invalid ip 198.51.100.23 ipv6 ::ffff:198.51.100.23, not in whitelist";

        var failures = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
            await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync()))));

        Assert.Equal(1, host.WeChat.Fetches);
        Assert.All(failures, f =>
        {
            Assert.Equal(WeChatFailureKind.IpAddressNotAllowed, f.Kind);
            Assert.Equal(40164, f.ErrorCode);
            Assert.Contains("whitelist", f.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("198.51.100.23", f.ToString());
        });

        // Simulated minute of callers, one a second: six attempts, one per 10 s retry interval.
        for (var second = 0; second < 60; second++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        }

        Assert.InRange(host.WeChat.Fetches, 6, 7);
    }

    [Theory]
    [InlineData(89503, WeChatFailureKind.IpAddressNotAllowed)]
    [InlineData(45009, WeChatFailureKind.RateLimited)]
    public async Task Admin_confirmation_and_a_used_up_quota_fail_clearly_with_their_errcode(int errorCode, WeChatFailureKind kind)
    {
        await using var host = TokenTestHost.Create();
        host.WeChat.ErrorCode = errorCode;

        var failure = await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        Assert.Equal(kind, failure.Kind);
        Assert.Equal(errorCode, failure.ErrorCode);
        if (errorCode == 45009)
        {
            Assert.Contains("quota", failure.Message);
        }

        Assert.Equal(1, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_busy_WeChat_is_retried_twice_with_a_pause_then_the_failure_surfaces()
    {
        await using var host = TokenTestHost.Create();
        host.WeChat.ErrorCode = -1;

        var caller = host.Provider.GetAsync().AsTask();
        await AdvanceUntilAsync(host, caller);

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => caller);
        Assert.Equal(WeChatFailureKind.WeChatBusy, failure.Kind);
        Assert.Equal(3, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_busy_WeChat_that_recovers_within_the_retries_gives_a_token()
    {
        await using var host = TokenTestHost.Create();
        (host.WeChat.ErrorCode, host.WeChat.ErrorCodeForFirst) = (-1, 1);
        var caller = host.Provider.GetAsync().AsTask();
        await AdvanceUntilAsync(host, caller);

        Assert.True(host.WeChat.IsValid(await caller));
        Assert.Equal(2, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_failed_refresh_ahead_keeps_the_valid_token_in_use_and_tries_again_after_the_interval()
    {
        await using var host = TokenTestHost.Create();
        var token = await host.Provider.GetAsync();
        host.Time.Advance(TimeSpan.FromSeconds(7200 - 250));
        host.WeChat.ErrorCode = 40164;

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(token, await host.Provider.GetAsync());
            await host.SettleAsync();
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // One attempt at the start and one per 10 s since.
        Assert.InRange(host.WeChat.Fetches, 4, 5);
    }

    [Theory]
    [InlineData("""{"expires_in":7200}""")]
    [InlineData("""{"access_token":"","expires_in":7200}""")]
    [InlineData("""{"access_token":12,"expires_in":7200}""")]
    [InlineData("""{"access_token":"T","expires_in":"7200"}""")]
    [InlineData("""{"access_token":"T","expires_in":5}""")]
    [InlineData("""{"access_token":"T\n2","expires_in":7200}""")]
    [InlineData("""<html>busy</html>""")]
    public async Task A_malformed_token_answer_is_an_invalid_response(string body)
    {
        var handler = new StaticAnswer(body);
        await using var host = TokenTestHost.Create(o => o.Backchannel = new HttpClient(handler));

        var failure = await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
        Assert.Equal(WeChatFailureKind.InvalidResponse, failure.Kind);
    }

    [Fact]
    public async Task The_health_check_is_healthy_with_a_token_and_unhealthy_with_kind_and_errcode_without_the_IP()
    {
        await using var host = TokenTestHost.Create(services: s => s.AddHealthChecks().AddWeChatAccessToken(TokenTestHost.Name));
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var healthy = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Contains("wechat-access-token-oa", healthy.Entries.Keys);

        await using var failing = TokenTestHost.Create(services: s => s.AddHealthChecks().AddWeChatAccessToken(TokenTestHost.Name));
        failing.WeChat.ErrorCode = 40164;
        failing.WeChat.ErrorMessage = "invalid ip 198.51.100.23 ipv6 ::ffff:198.51.100.23, not in whitelist";
        var report = await failing.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var entry = report.Entries["wechat-access-token-oa"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("IpAddressNotAllowed", entry.Data["kind"]);
        Assert.Equal("40164", entry.Data["errcode"]);
        Assert.Null(entry.Exception);
        Assert.DoesNotContain("198.51.100.23", entry.Description);
    }

    private static async Task AdvanceUntilAsync(TokenTestHost host, Task caller)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!caller.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            host.Time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    private sealed class StaticAnswer(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(body) });
    }
}
