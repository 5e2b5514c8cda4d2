using System.Collections.Concurrent;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The in-process <see cref="IWeChatAtomicStore"/>: atomic within this instance only.
/// </summary>
internal sealed class MemoryWeChatAtomicStore(TimeProvider time) : IWeChatAtomicStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public bool IsShared => false;

    public Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = time.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        var entry = new Entry(value.ToArray(), now + lifetime.Ticks);
        while (true)
        {
            if (_entries.TryAdd(key, entry))
            {
                return Task.FromResult(true);
            }

            if (!_entries.TryGetValue(key, out var current))
            {
                continue; // removed in between: try to add again
            }

            if (current.ExpiresTicks > now)
            {
                return Task.FromResult(false);
            }

            // Expired: replace it, unless another caller did so first.
            if (_entries.TryUpdate(key, entry, current))
            {
                return Task.FromResult(true);
            }
        }
    }

    public Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var removed = _entries.TryGetValue(key, out var current)
            && current.ExpiresTicks > time.GetUtcNow().UtcTicks
            && current.Value.AsSpan().SequenceEqual(expected.Span)
            && _entries.TryRemove(new KeyValuePair<string, Entry>(key, current));
        return Task.FromResult(removed);
    }

    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextSweepTicks, now + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresTicks <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    // A reference type, so that TryUpdate and TryRemove compare this very entry, not an equal one.
    private sealed class Entry(byte[] value, long expiresTicks)
    {
        public byte[] Value { get; } = value;

        public long ExpiresTicks { get; } = expiresTicks;
    }
}
