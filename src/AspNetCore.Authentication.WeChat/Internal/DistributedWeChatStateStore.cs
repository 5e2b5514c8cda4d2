using Microsoft.Extensions.Caching.Distributed;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Pending sign-ins in the app's <see cref="IDistributedCache"/> (Redis in a web farm), claimed through an
/// <see cref="IWeChatAtomicStore"/>, because <see cref="IDistributedCache"/> has no compare-and-set.
/// </summary>
internal sealed class DistributedWeChatStateStore(IDistributedCache cache, IWeChatAtomicStore atomicStore) : WeChatStateStore
{
    public override bool IsInProcess => false;

    public override bool IsSingleUseShared => atomicStore.IsShared;

    public override Task AddAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, string client, CancellationToken cancellationToken)
        => cache.SetAsync(key, entry.ToBytes(), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime }, cancellationToken);

    public override async Task<WeChatStateEntry?> GetAsync(string key, CancellationToken cancellationToken)
        => await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } bytes ? WeChatStateEntry.FromBytes(bytes) : null;

    public override Task<bool> TryClaimAsync(string key, byte[] owner, TimeSpan lifetime, CancellationToken cancellationToken)
        => atomicStore.TryAddAsync(key + ":claim", owner, lifetime, cancellationToken);

    public override Task ReleaseClaimAsync(string key, byte[] owner, CancellationToken cancellationToken)
        => atomicStore.TryRemoveAsync(key + ":claim", owner, cancellationToken);

    public override Task SetOutcomeAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, CancellationToken cancellationToken)
        => AddAsync(key, entry, lifetime, "", cancellationToken);
}
