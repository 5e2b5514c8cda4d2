namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The state store of an app without a shared cache: bounded, and fair under a flood of challenges.
/// </summary>
/// <remarks>
/// Every anonymous challenge stores an entry, so a flood of them must neither grow memory without bound nor push
/// out the entries of real users who are at WeChat right now. The store holds at most <see cref="MaxBytes"/> of
/// entries, grouped by the client address that began them; when it is full, the address holding the most loses
/// its oldest entry (of addresses holding as much, the one with the oldest entry). A flood from a few addresses
/// therefore only evicts its own entries, whatever their age.
/// </remarks>
internal sealed class MemoryWeChatStateStore : WeChatStateStore
{
    /// <summary>
    /// The default most memory kept: 64 MiB, about 50,000 usual entries, or 10,000 with 2,048-character return URLs.
    /// </summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    // What an entry costs beyond its strings: the slot, the record, the list node, the dictionary entry.
    private const int Overhead = 240;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    // The partitions, the next to lose an entry first (SortedSet.Min): a partition is taken out before it changes.
    private readonly SortedSet<Partition> _byClaimToEviction = new(Comparer<Partition>.Create(static (a, b) =>
    {
        var bySize = b.Bytes.CompareTo(a.Bytes);
        if (bySize != 0)
        {
            return bySize;
        }

        var byAge = a.Slots.First!.Value.CreatedTicks.CompareTo(b.Slots.First!.Value.CreatedTicks);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.Client, b.Client);
    }));

    private readonly TimeProvider _time;
    private long _bytes;
    private long _nextSweepTicks;

    public MemoryWeChatStateStore(TimeProvider time, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _time = time;
        MaxBytes = maxBytes;
    }

    public long MaxBytes { get; }

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

    /// <summary>Gets about how much memory the entries take now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    public override bool IsInProcess => true;

    public override bool IsSingleUseShared => false;

    /// <summary>About how much memory an entry takes in this store.</summary>
    public static int SizeOf(string key, WeChatStateEntry entry)
        => Overhead + (2 * (key.Length + entry.Properties.Length + (entry.CorrelationId?.Length ?? 0) + (entry.OpenId?.Length ?? 0) + LengthOf(entry.LocalProperties)))
           + (entry.SignedIn?.Length ?? 0) + (entry.LocalProperties is null ? 0 : PropertyOverhead * entry.LocalProperties.Count);

    // What a kept property costs beyond its strings: the dictionary entry and the strings' headers.
    private const int PropertyOverhead = 64;

    private static int LengthOf(IReadOnlyDictionary<string, string?>? properties)
    {
        var length = 0;
        foreach (var (name, value) in properties ?? EmptyProperties)
        {
            length += name.Length + (value?.Length ?? 0);
        }

        return length;
    }

    private static readonly Dictionary<string, string?> EmptyProperties = [];

    public override Task AddAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, string client, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Add(key, entry, lifetime, client);
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

    public override Task<bool> TryClaimAsync(string key, byte[] owner, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Find(key) is not { Claimed: false, Entry.Outcome: WeChatStateOutcome.Pending } slot)
            {
                return Task.FromResult(false);
            }

            slot.Claimed = true;
            slot.ClaimOwner = owner;
            return Task.FromResult(true);
        }
    }

    public override Task ReleaseClaimAsync(string key, byte[] owner, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Find(key) is { Claimed: true, Entry.Outcome: WeChatStateOutcome.Pending } slot && ReferenceEquals(slot.ClaimOwner, owner))
            {
                slot.Claimed = false;
                slot.ClaimOwner = null;
            }

            return Task.CompletedTask;
        }
    }

    public override Task SetOutcomeAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        // Replaced (so that its size is counted again) in one step: a duplicate callback polling for this outcome must
        // never find the state missing in between. Evicted while the code was exchanged or not, the outcome is kept.
        lock (_lock)
        {
            Add(key, entry, lifetime, Find(key)?.Partition!.Client ?? "");
        }

        return Task.CompletedTask;
    }

    private void Add(string key, WeChatStateEntry entry, TimeSpan lifetime, string client)
    {
        var now = _time.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        if (_slots.TryGetValue(key, out var existing))
        {
            Remove(existing);
        }

        var slot = new Slot(key, entry, now, now + lifetime.Ticks);
        while (_bytes + slot.Size > MaxBytes && _byClaimToEviction.Count > 0)
        {
            Remove(_byClaimToEviction.Min!.Slots.First!.Value);
        }

        Attach(slot, client);
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
            _byClaimToEviction.Remove(partition);
        }
        else
        {
            partition = new Partition(client);
            _partitions.Add(client, partition);
        }

        slot.Partition = partition;
        slot.Node = partition.Slots.AddLast(slot);
        partition.Bytes += slot.Size;
        _bytes += slot.Size;
        _byClaimToEviction.Add(partition);
        _slots.Add(slot.Key, slot);
    }

    private void Remove(Slot slot)
    {
        _slots.Remove(slot.Key);
        var partition = slot.Partition!;
        _byClaimToEviction.Remove(partition);
        partition.Slots.Remove(slot.Node!);
        partition.Bytes -= slot.Size;
        _bytes -= slot.Size;
        if (partition.Slots.Count == 0)
        {
            _partitions.Remove(partition.Client);
        }
        else
        {
            _byClaimToEviction.Add(partition);
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

    private sealed class Slot(string key, WeChatStateEntry entry, long createdTicks, long expiresTicks)
    {
        public string Key { get; } = key;

        public WeChatStateEntry Entry { get; } = entry;

        public long CreatedTicks { get; } = createdTicks;

        public long ExpiresTicks { get; } = expiresTicks;

        public int Size { get; } = SizeOf(key, entry);

        // An entry that already has an outcome can never be claimed again.
        public bool Claimed { get; set; } = entry.Outcome != WeChatStateOutcome.Pending;

        public byte[]? ClaimOwner { get; set; }

        public Partition? Partition { get; set; }

        public LinkedListNode<Slot>? Node { get; set; }
    }

    private sealed class Partition(string client)
    {
        public string Client { get; } = client;

        public LinkedList<Slot> Slots { get; } = new();

        public long Bytes { get; set; }
    }
}
