using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>
/// A memory distributed cache that records writes, and can fail or hang like an unreachable Redis.
/// </summary>
public sealed class RecordingDistributedCache : IDistributedCache
{
    private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));

    public ConcurrentQueue<(string Key, byte[] Value, DistributedCacheEntryOptions Options)> Sets { get; } = new();

    public bool Fail { get; set; }

    /// <summary>When set, fails the operations ("get", "set", "remove") for which it returns true.</summary>
    public Func<string, bool>? FailWhen { get; set; }

    public TimeSpan Delay { get; set; }

    public byte[]? Get(string key) => throw new NotSupportedException("The handler must use the async API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await MisbehaveAsync("get", token);
        return await _inner.GetAsync(key, token);
    }

    public void Refresh(string key) => throw new NotSupportedException("The handler must use the async API.");

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    public void Remove(string key) => throw new NotSupportedException("The handler must use the async API.");

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await MisbehaveAsync("remove", token);
        await _inner.RemoveAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException("The handler must use the async API.");

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await MisbehaveAsync("set", token);
        Sets.Enqueue((key, value, options));
        await _inner.SetAsync(key, value, options, token);
    }

    private async Task MisbehaveAsync(string operation, CancellationToken token)
    {
        if (Delay > TimeSpan.Zero)
        {
            // Like a stalled Redis client: the cancellation token is not honoured.
            await Task.Delay(Delay, CancellationToken.None);
        }

        if (Fail || FailWhen?.Invoke(operation) == true)
        {
            throw new InvalidOperationException("It was not possible to connect to the cache server.");
        }
    }
}
