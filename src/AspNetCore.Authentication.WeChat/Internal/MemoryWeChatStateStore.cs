namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The state store of an app without a shared cache: bounded, and fair under a flood of challenges.
/// </summary>
/// <remarks>
/// Every anonymous challenge stores an entry, so a flood of them must neither grow memory without bound nor push
/// out the entries of real users who are at WeChat right now. The store holds at most <see cref="Capacity"/>
/// entries, grouped by the client address that began them; when it is full, the address holding the most entries
/// loses its oldest one. A flood from a few addresses therefore only evicts its own entries, whatever their age.
/// </remarks>
internal sealed class MemoryWeChatStateStore : WeChatStateStore
{
    /// <summary>The default most entries kept: about 50 MB at the usual size of an entry.</summary>
    public const int DefaultCapacity = 100_000;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    // The partitions by size, largest first (SortedSet.Min): a partition is taken out before its size changes.
    private readonly SortedSet<Partition> _bySize = new(Comparer<Partition>.Create(static (a, b) =>
    {
        var bySize = b.Slots.Count.CompareTo(a.Slots.Count);
        return bySize != 0 ? bySize : string.CompareOrdinal(a.Client, b.Client);
    }));

    private readonly TimeProvider _time;
    private long _nextSweepTicks;

    public MemoryWeChatStateStore(TimeProvider time, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Gets how many entries the store holds now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _slots.Count;
            }
        }
    }

    public override bool KeepsObjects => true;

    public override bool IsSingleUseShared => false;

    public override Task AddAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, string client, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            SweepIfDue(now);
            if (_slots.TryGetValue(key, out var existing))
            {
                Remove(existing);
            }

            while (_slots.Count >= Capacity)
            {
                Remove(_bySize.Min!.Slots.First!.Value);
            }

            Attach(new Slot(key, entry, now + lifetime.Ticks), client);
        }

        return Task.CompletedTask;
    }

    public override Task<WeChatStateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(Find(key)?.Entry);
        }
    }

    public override Task<bool> TryClaimAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Find(key) is not { Claimed: false, Entry.Outcome: WeChatStateOutcome.Pending } slot)
            {
                return Task.FromResult(false);
            }

            slot.Claimed = true;
            return Task.FromResult(true);
        }
    }

    public override Task SetOutcomeAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var expires = _time.GetUtcNow().UtcTicks + lifetime.Ticks;
            if (Find(key) is { } slot)
            {
                slot.Entry = entry;
                slot.ExpiresTicks = expires;
                return Task.CompletedTask;
            }
        }

        // Evicted while the code was exchanged: keep the outcome all the same, for a duplicate callback.
        return AddAsync(key, entry, lifetime, "", cancellationToken);
    }

    private Slot? Find(string key)
    {
        if (!_slots.TryGetValue(key, out var slot))
        {
            return null;
        }

        if (slot.ExpiresTicks <= _time.GetUtcNow().UtcTicks)
        {
            Remove(slot);
            return null;
        }

        return slot;
    }

    private void Attach(Slot slot, string client)
    {
        if (_partitions.TryGetValue(client, out var partition))
        {
            _bySize.Remove(partition);
        }
        else
        {
            partition = new Partition(client);
            _partitions.Add(client, partition);
        }

        slot.Partition = partition;
        slot.Node = partition.Slots.AddLast(slot);
        _bySize.Add(partition);
        _slots.Add(slot.Key, slot);
    }

    private void Remove(Slot slot)
    {
        _slots.Remove(slot.Key);
        var partition = slot.Partition!;
        _bySize.Remove(partition);
        partition.Slots.Remove(slot.Node!);
        if (partition.Slots.Count == 0)
        {
            _partitions.Remove(partition.Client);
        }
        else
        {
            _bySize.Add(partition);
        }
    }

    private void SweepIfDue(long now)
    {
        if (now < _nextSweepTicks)
        {
            return;
        }

        _nextSweepTicks = now + SweepInterval.Ticks;
        foreach (var slot in _slots.Values.Where(s => s.ExpiresTicks <= now).ToList())
        {
            Remove(slot);
        }
    }

    private sealed class Slot(string key, WeChatStateEntry entry, long expiresTicks)
    {
        public string Key { get; } = key;

        public WeChatStateEntry Entry { get; set; } = entry;

        public long ExpiresTicks { get; set; } = expiresTicks;

        // An entry that already has an outcome can never be claimed again.
        public bool Claimed { get; set; } = entry.Outcome != WeChatStateOutcome.Pending;

        public Partition? Partition { get; set; }

        public LinkedListNode<Slot>? Node { get; set; }
    }

    private sealed class Partition(string client)
    {
        public string Client { get; } = client;

        public LinkedList<Slot> Slots { get; } = new();
    }
}
