using System.Security.Cryptography;
using AspNetCore.Authentication.WeChat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// The contract of <see cref="IWeChatAtomicStore"/>, for the package's in-process store and the Redis one against a
/// real redis-server: exactly one of many concurrent adds wins, entries expire, and only the expected value is removed.
/// </summary>
public sealed class AtomicStoreTests : IAsyncLifetime
{
    private RedisServer? _redis;
    private ServiceProvider? _services;

    public static TheoryData<string> Stores => ["memory", "redis"];

    public async Task InitializeAsync()
    {
        if (RedisServer.MissingReason() is null)
        {
            _redis = await RedisServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task Of_a_thousand_concurrent_adds_of_one_key_exactly_one_wins(string kind)
    {
        var store = Create(kind);
        var key = "contract:" + RandomNumberGenerator.GetHexString(16);

        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(() => store.TryAddAsync(key, BitConverter.GetBytes(i), TimeSpan.FromMinutes(1)))));

        Assert.Equal(1, results.Count(won => won));
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task An_entry_expires_after_its_lifetime_and_the_key_can_be_taken_again(string kind)
    {
        var store = Create(kind);
        var key = "contract:" + RandomNumberGenerator.GetHexString(16);

        await store.TryAddAsync(key + ":warm-up", "w"u8.ToArray(), TimeSpan.FromSeconds(1)); // connects first

        Assert.True(await store.TryAddAsync(key, "a"u8.ToArray(), TimeSpan.FromSeconds(1)));
        Assert.False(await store.TryAddAsync(key, "b"u8.ToArray(), TimeSpan.FromSeconds(1)));
        await Task.Delay(TimeSpan.FromMilliseconds(1500));

        Assert.True(await store.TryAddAsync(key, "c"u8.ToArray(), TimeSpan.FromMinutes(1)));
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task Only_the_expected_value_is_removed(string kind)
    {
        var store = Create(kind);
        var key = "contract:" + RandomNumberGenerator.GetHexString(16);
        Assert.True(await store.TryAddAsync(key, "owner-1"u8.ToArray(), TimeSpan.FromMinutes(1)));

        Assert.False(await store.TryRemoveAsync(key, "owner-2"u8.ToArray()));
        Assert.False(await store.TryAddAsync(key, "owner-2"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.True(await store.TryRemoveAsync(key, "owner-1"u8.ToArray()));
        Assert.False(await store.TryRemoveAsync(key, "owner-1"u8.ToArray()));
        Assert.True(await store.TryAddAsync(key, "owner-2"u8.ToArray(), TimeSpan.FromMinutes(1)));
    }

    [SkippableFact]
    public async Task The_Redis_store_is_shared_and_fails_loudly_while_Redis_is_down()
    {
        var store = Create("redis");
        Assert.True(store.IsShared);
        Assert.True(await store.TryAddAsync("contract:warm", "x"u8.ToArray(), TimeSpan.FromMinutes(1)));

        await _redis!.StopAsync();
        await Assert.ThrowsAnyAsync<RedisException>(() => store.TryAddAsync("contract:down", "x"u8.ToArray(), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void The_in_process_store_says_it_is_not_shared()
        => Assert.False(Create("memory").IsShared);

    [Fact]
    public async Task Without_any_Redis_configured_AddWeChatStackExchangeRedis_stops_the_app_naming_the_setting()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Services.AddAuthentication().AddWeChat(o => { o.AppId = "wx1"; o.AppSecret = "s"; });
        builder.Services.AddWeChatStackExchangeRedis();
        await using var app = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("'Configuration' option", failure.Message, StringComparison.Ordinal);
        Assert.Contains("AddStackExchangeRedisCache", failure.Message, StringComparison.Ordinal);
    }

    private IWeChatAtomicStore Create(string kind)
    {
        var services = new ServiceCollection();
        services.AddAuthentication().AddWeChat(o => { o.AppId = "wx1"; o.AppSecret = "s"; });
        if (kind == "redis")
        {
            Skip.If(_redis is null, RedisServer.MissingReason());
            // As apps configure it: through AddStackExchangeRedisCache's settings.
            services.AddStackExchangeRedisCache(o => o.Configuration = _redis.Configuration);
            services.AddWeChatStackExchangeRedis();
        }

        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<IWeChatAtomicStore>();
    }
}
