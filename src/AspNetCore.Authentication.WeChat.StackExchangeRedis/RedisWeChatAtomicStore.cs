using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspNetCore.Authentication.WeChat.StackExchangeRedis;

/// <summary>
/// <see cref="IWeChatAtomicStore"/> on Redis: add-if-absent is <c>SET key value PX lifetime NX</c>, and
/// compare-and-delete is a script that deletes the key only while it holds the expected value. Both are single
/// Redis commands, so they are atomic across every instance that shares the server.
/// </summary>
internal sealed class RedisWeChatAtomicStore : IWeChatAtomicStore, IAsyncDisposable, IDisposable
{
    private const string RemoveIfEqualScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private readonly WeChatRedisOptions _options;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private volatile IConnectionMultiplexer? _connection;
    private bool _ownsConnection;

    /// <summary>Initializes the store; it connects on first use.</summary>
    /// <param name="options">The options.</param>
    public RedisWeChatAtomicStore(IOptions<WeChatRedisOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    /// <remarks>Always <see langword="true"/>: every instance that uses the same Redis sees the same keys.</remarks>
    public bool IsShared => true;

    /// <inheritdoc />
    public async Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.StringSetAsync(_options.KeyPrefix + key, value, lifetime, When.NotExists).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var removed = await database.ScriptEvaluateAsync(RemoveIfEqualScript, [_options.KeyPrefix + key], [expected]).ConfigureAwait(false);
        return (long)removed == 1;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsConnection)
        {
            _connection?.Dispose();
        }

        _connectLock.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection && _connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }

    private async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connection)
        {
            return connection.GetDatabase();
        }

        // One connection for the app's lifetime, made on first use; a failed attempt is retried by the next call.
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                if (_options.ConnectionMultiplexerFactory is { } factory)
                {
                    _connection = await factory().ConfigureAwait(false);
                }
                else
                {
                    var configuration = _options.ConfigurationOptions ?? ConfigurationOptions.Parse(_options.Configuration!);
                    _connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                    _ownsConnection = true;
                }
            }

            return _connection.GetDatabase();
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
