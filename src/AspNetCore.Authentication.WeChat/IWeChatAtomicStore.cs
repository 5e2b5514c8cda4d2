namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The two atomic operations the package needs from a store that every instance of an app shares, which
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> lacks: add-if-absent and compare-and-delete.
/// They make a sign-in state single-use across a web farm and give a lease lock with a safe release.
/// </summary>
/// <remarks>
/// The package registers an in-process implementation, atomic within one instance only
/// (<see cref="IsShared"/> is <see langword="false"/>). For a web farm, register a shared one, such as
/// <c>AddWeChatStackExchangeRedis()</c> from the <c>AspNetCore.Authentication.WeChat.StackExchangeRedis</c> package.
/// Keys are used as given; callers prefix them.
/// </remarks>
public interface IWeChatAtomicStore
{
    /// <summary>
    /// Gets whether the operations are atomic across every instance of the app (a shared store such as Redis), rather
    /// than only within this process.
    /// </summary>
    bool IsShared { get; }

    /// <summary>
    /// Stores <paramref name="value"/> under <paramref name="key"/> for <paramref name="lifetime"/>, only if the key
    /// holds nothing. Of any number of concurrent calls for one key, exactly one returns <see langword="true"/>.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, for example a lock owner's random id.</param>
    /// <param name="lifetime">How long the entry lives.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call stored the value; <see langword="false"/> when the key was taken.</returns>
    Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the entry under <paramref name="key"/> only if it still holds exactly <paramref name="expected"/>, so that
    /// an owner whose lease ran out cannot release someone else's.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="expected">The value the entry must hold.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call removed the entry.</returns>
    Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default);
}
