using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// STANDS IN FOR Microsoft.Extensions.Caching.StackExchangeRedis (AddStackExchangeRedisCache), which is what apps
/// should register in production. It cannot be restored here: every StackExchange.Redis 2.x needs
/// Pipelines.Sockets.Unofficial and System.IO.Hashing, which this project's NuGet registry copy lacks, so this small
/// IDistributedCache over StackExchange.Redis 1.2.6 keeps to the same contract (absolute and sliding expiry, async,
/// cancellation) and the same storage shape (a hash of absexp, sldexp and data) so the tests exercise a real Redis.
/// </summary>
public sealed class RedisDistributedCache(IConnectionMultiplexer connection) : IDistributedCache
{
    private const string SetScript = """
        redis.call('HSET', KEYS[1], 'absexp', ARGV[1], 'sldexp', ARGV[2], 'data', ARGV[4])
        if ARGV[3] ~= '-1' then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
        return 1
        """;

    private const long NotPresent = -1;

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        var database = connection.GetDatabase();
        var values = await database.HashGetAsync(key, ["absexp", "sldexp", "data"]).WaitAsync(token).ConfigureAwait(false);
        if (values.Length < 3 || values[2].IsNull)
        {
            return null;
        }

        await SlideAsync(database, key, (long)values[0], (long)values[1], token).ConfigureAwait(false);
        return values[2];
    }

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        var database = connection.GetDatabase();
        var values = await database.HashGetAsync(key, ["absexp", "sldexp"]).WaitAsync(token).ConfigureAwait(false);
        if (values.Length == 2 && !values[0].IsNull)
        {
            await SlideAsync(database, key, (long)values[0], (long)values[1], token).ConfigureAwait(false);
        }
    }

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        return connection.GetDatabase().KeyDeleteAsync(key).WaitAsync(token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        var now = DateTimeOffset.UtcNow;
        var absolute = options.AbsoluteExpiration
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The absolute expiration value must be in the future.");
        }

        var sliding = options.SlidingExpiration;
        var ttl = Ttl(now, absolute?.UtcTicks ?? NotPresent, sliding?.Ticks ?? NotPresent);
        return connection.GetDatabase().ScriptEvaluateAsync(SetScript, [key],
            [absolute?.UtcTicks ?? NotPresent, sliding?.Ticks ?? NotPresent, ttl is { } seconds ? (long)Math.Ceiling(seconds.TotalSeconds) : NotPresent, value])
            .WaitAsync(token);
    }

    private static async Task SlideAsync(IDatabase database, string key, long absoluteTicks, long slidingTicks, CancellationToken token)
    {
        if (slidingTicks == NotPresent)
        {
            return;
        }

        var ttl = Ttl(DateTimeOffset.UtcNow, absoluteTicks, slidingTicks);
        if (ttl is { } expiry)
        {
            await database.KeyExpireAsync(key, expiry).WaitAsync(token).ConfigureAwait(false);
        }
    }

    private static TimeSpan? Ttl(DateTimeOffset now, long absoluteTicks, long slidingTicks)
    {
        TimeSpan? untilAbsolute = absoluteTicks == NotPresent ? null : new DateTimeOffset(absoluteTicks, TimeSpan.Zero) - now;
        TimeSpan? sliding = slidingTicks == NotPresent ? null : TimeSpan.FromTicks(slidingTicks);
        return (untilAbsolute, sliding) switch
        {
            ({ } a, { } s) => a < s ? a : s,
            ({ } a, null) => a,
            (null, { } s) => s,
            _ => null,
        };
    }
}
