using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// How many Redis commands one complete web sign-in costs in a two-instance farm (challenge on one instance, callback on
/// the other), counted by redis-server itself (INFO commandstats): the figure docs/benchmarks.md reports.
/// </summary>
public sealed class RedisRoundTripTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int SignIns = 40;
    private WebFarm? _farm;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_farm is not null)
        {
            await _farm.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_web_sign_in_across_two_instances_costs_four_state_operations_of_six_Redis_commands()
    {
        var missing = RedisServer.MissingReason();
        Skip.If(missing is not null, missing);
        _farm = await WebFarm.StartAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

        // Warm: the Data Protection key ring and each instance's connection are read once, not per sign-in.
        await SignInAsync(0);
        await SignInAsync(1);
        using var redis = await ConnectionMultiplexer.ConnectAsync(_farm.Redis.Configuration + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < SignIns; i++)
        {
            await SignInAsync(i % WebFarm.NumberedUsers);
        }

        var commands = (await server.InfoAsync("commandstats")).SelectMany(g => g)
            .Where(p => p.Key.StartsWith("cmdstat_", StringComparison.Ordinal) && !p.Key.StartsWith("cmdstat_info", StringComparison.Ordinal) && !p.Key.StartsWith("cmdstat_config", StringComparison.Ordinal))
            .ToDictionary(p => p.Key["cmdstat_".Length..], p => long.Parse(p.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
        var perSignIn = (double)commands.Values.Sum() / SignIns;
        output.WriteLine($"Redis commands per complete sign-in: {perSignIn:0.##} ({string.Join(", ", commands.Select(c => $"{c.Key} {(double)c.Value / SignIns:0.##}"))})");

        // The challenge stores the state (AddStackExchangeRedisCache's set: HMSET and EXPIRE); the callback reads it
        // (HMGET), claims it atomically (SET NX PX) and records the outcome for a duplicate callback (HMSET, EXPIRE).
        Assert.InRange(perSignIn, 5.75, 6.25);
        Assert.Equal(SignIns, commands["set"]);
        Assert.Equal(SignIns, commands["hmget"]);
    }

    private async Task SignInAsync(int user)
    {
        var browser = _farm!.CreateBrowser();
        var authorize = await browser.ChallengeAsync(_farm.A);
        var callback = await browser.GetAsync(_farm.B, await WebFarm.ConsentAsync(authorize, user));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/Profile", callback.Headers.Location!.OriginalString);
    }
}
