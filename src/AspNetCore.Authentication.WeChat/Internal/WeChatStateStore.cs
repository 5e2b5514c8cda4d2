namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Keeps pending sign-ins under their short state, and makes each state single-use: of any number of callbacks
/// carrying one state, exactly one wins <see cref="TryClaimAsync"/>.
/// </summary>
/// <remarks>
/// Two implementations: <see cref="MemoryWeChatStateStore"/> when the app has no shared cache, and
/// <see cref="DistributedWeChatStateStore"/> over the app's <c>IDistributedCache</c> plus an <see cref="IWeChatAtomicStore"/>.
/// </remarks>
internal abstract class WeChatStateStore
{
    /// <summary>Gets whether single use holds across every instance of the app, not only within this one.</summary>
    public abstract bool IsSingleUseShared { get; }

    /// <summary>
    /// Gets whether entries never leave this process, so that a sign-in kept for a duplicate callback needs no
    /// Data Protection.
    /// </summary>
    public abstract bool IsInProcess { get; }

    /// <summary>Keeps a pending sign-in begun by <paramref name="client"/> (an address partition, or empty).</summary>
    public abstract Task AddAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, string client, CancellationToken cancellationToken);

    /// <summary>Reads a state's entry, or <see langword="null"/> when it is unknown or expired.</summary>
    public abstract Task<WeChatStateEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically claims the right to spend a state for <paramref name="owner"/> (random per attempt);
    /// <see langword="true"/> for exactly one caller per state.
    /// </summary>
    public abstract Task<bool> TryClaimAsync(string key, byte[] owner, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>Gives back a claim of <paramref name="owner"/> that spent nothing, so that the state can be claimed again.</summary>
    public abstract Task ReleaseClaimAsync(string key, byte[] owner, CancellationToken cancellationToken);

    /// <summary>Records how the callback that claimed the state ended.</summary>
    public abstract Task SetOutcomeAsync(string key, WeChatStateEntry entry, TimeSpan lifetime, CancellationToken cancellationToken);
}
