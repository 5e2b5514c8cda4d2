using System.Text.Json;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MvcSample.Models;
using AspNetCore.Authentication.WeChat.Emulator;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// The official account's global token in the sample's farm mode: two instances, each with its own memory, sharing one
/// real redis-server, against one WeChat whose classic <c>cgi-bin/token</c> invalidates the previous token five minutes
/// after each call. Skipped (with the reason) without redis-server, except under CI=true where that fails.
/// </summary>
public sealed class AccessTokenFarmTests : IAsyncLifetime
{
    private const int CallersPerInstance = 500;
    private WebFarm? _farm;

    private WebFarm Farm => _farm!;

    private long TokenCalls => Farm.Emulator.Services.GetRequiredService<WeChatEmulator>().GetCallCount("/cgi-bin/token");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_farm is not null)
        {
            await _farm.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Five_hundred_callers_on_each_of_two_instances_make_one_classic_token_call_per_window()
    {
        // One clock for both instances and WeChat, pumped forward (ten times real time), since a waiting instance polls
        // the shared cache on it; a window is then crossed by one step of two hours.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // not before the real clock, on which Data Protection makes its keys
        var missing = RedisServer.MissingReason();
        Skip.If(missing is not null, missing);
        _farm = await WebFarm.StartAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), tokenMode: "Classic", time);
        using var pump = new ClockPump(time);

        var first = await EveryoneAsksAsync();

        Assert.Single(first.Distinct());
        Assert.Equal(1, TokenCalls);
        Assert.True(await WeChatAcceptsAsync(first[0]));

        // Into the last five minutes of the token's two hours: every caller is still handed a token WeChat accepts (the
        // old one while the refresh runs, or the new one), and the farm makes one more call, not one per instance.
        time.Advance(TimeSpan.FromSeconds(7200 - 300 + 1));
        var second = await EveryoneAsksAsync();
        var renewed = await UntilBothHoldANewTokenAsync(first[0]);

        Assert.All(second.Distinct(), token => Assert.True(token == first[0] || token == renewed, "a token neither old nor new"));
        Assert.Equal(2, TokenCalls);
        Assert.True(await WeChatAcceptsAsync(renewed));
        Assert.True(await WeChatAcceptsAsync(first[0]), "the old token must outlive the overlap the callers relied on");
    }

    [SkippableFact]
    public async Task With_Redis_down_an_instance_keeps_its_token_and_can_still_fetch_one()
    {
        var missing = RedisServer.MissingReason();
        Skip.If(missing is not null, missing);
        _farm = await WebFarm.StartAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), tokenMode: "Classic");
        var a = Provider(Farm.A);
        var held = await a.GetAsync();
        Assert.Equal(1, TokenCalls);

        await Farm.Redis.StopAsync();

        // The token in memory is served without Redis and without WeChat.
        Assert.Equal(held, await a.GetAsync());
        Assert.Equal(1, TokenCalls);

        // WeChat rejected it (say): the instance fetches another on its own, and so does an instance that had none.
        await a.InvalidateAsync(held);
        var fetched = await a.GetAsync();
        var fromB = await Provider(Farm.B).GetAsync();

        Assert.NotEqual(held, fetched);
        Assert.True(await WeChatAcceptsAsync(fetched));
        Assert.True(await WeChatAcceptsAsync(fromB));
        Assert.Equal(3, TokenCalls);
        Assert.DoesNotContain(Farm.Logs, line => line.Contains(held, StringComparison.Ordinal) || line.Contains(fetched, StringComparison.Ordinal));
    }

    private static IWeChatAccessTokenProvider Provider(WebApplicationFactory<Program> instance)
        => instance.Services.GetRequiredKeyedService<IWeChatAccessTokenProvider>(WeChatFollowerApi.AccessTokenName);

    /// <summary>500 concurrent callers on each instance, released together.</summary>
    private async Task<string[]> EveryoneAsksAsync()
    {
        var providers = new[] { Provider(Farm.A), Provider(Farm.B) };
        using var start = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 2 * CallersPerInstance)
            .Select(i => Task.Run(async () =>
            {
                start.Wait();
                return await providers[i % 2].GetAsync();
            }))
            .ToArray();
        start.Set();
        return await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task<string> UntilBothHoldANewTokenAsync(string old)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (a, b) = (await Provider(Farm.A).GetAsync(), await Provider(Farm.B).GetAsync());
            if (a != old && a == b)
            {
                return a;
            }

            Assert.True(DateTime.UtcNow < deadline, "The instances did not settle on one new token.");
            await Task.Delay(20);
        }
    }

    /// <summary>Whether WeChat takes the token for a server API call (cgi-bin/user/info).</summary>
    private async Task<bool> WeChatAcceptsAsync(string token)
    {
        using var client = new HttpClient { BaseAddress = Farm.EmulatorAddress };
        using var answer = JsonDocument.Parse(await client.GetStringAsync($"/cgi-bin/user/info?access_token={Uri.EscapeDataString(token)}&openid={WebFarm.User(1).OpenId}"));
        return !answer.RootElement.TryGetProperty("errcode", out var errcode) || errcode.GetInt32() == 0;
    }

    /// <summary>Moves a fake clock on in the background, 50 ms every 5 ms, until disposed.</summary>
    private sealed class ClockPump : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pump;

        public ClockPump(FakeTimeProvider time)
            => _pump = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    await Task.Delay(5);
                    time.Advance(TimeSpan.FromMilliseconds(50));
                }
            });

        public void Dispose()
        {
            _stop.Cancel();
            _pump.Wait(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }
    }
}
