using System.Security.Cryptography;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>
/// Keeps each mini-program user's session_key on the server, in the app's <see cref="IDistributedCache"/> under the
/// AppID and openid (protected with Data Protection in a shared cache, see <see cref="WeChatCacheProtector"/>): the current key, and the one it replaced for a short
/// overlap. A session_key never leaves this class except to decrypt or sign.
/// </summary>
/// <remarks>
/// WeChat keeps one valid session_key per user at a time, and a new <c>wx.login</c> may rotate it
/// (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey); data the client
/// obtained before its latest sign-in is encrypted with the previous key.
/// </remarks>
internal sealed class WeChatSessionKeyStore(IDistributedCache cache, IWeChatAtomicStore atomicStore, IDataProtectionProvider dataProtection, TimeProvider time, string appId, WeChatMiniProgramOptions options)
{
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(20);
    private const int LockAttempts = 50;

    private readonly WeChatCacheProtector _protector = new(cache, dataProtection.CreateProtector("AspNetCore.Authentication.WeChat.MiniProgram.SessionKey", appId));
    private readonly string _keyPrefix = options.CacheKeyPrefix + appId + ":session:";

    /// <summary>Stores <paramref name="sessionKey"/> as the user's current key, keeping the one it replaces for the overlap.</summary>
    public async Task StoreAsync(string openId, string sessionKey, CancellationToken cancellationToken)
    {
        // Two sign-ins of one user at once (wx.login twice) would each read the entry and write it back, and the one
        // written last would drop the other's key: one at a time, under a short lease, for at most a second; after that
        // the write goes ahead, as it would without the lease.
        var lockKey = _keyPrefix + openId + ":lock";
        var owner = RandomNumberGenerator.GetBytes(16);
        var locked = false;
        try
        {
            for (var attempt = 0; attempt < LockAttempts && !(locked = await atomicStore.TryAddAsync(lockKey, owner, LockLease, cancellationToken).ConfigureAwait(false)); attempt++)
            {
                await Task.Delay(LockRetry, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without the atomic store there is no lease; the write goes ahead, as it would after the wait.
            locked = false;
        }

        try
        {
            await ReplaceAsync(openId, sessionKey, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (locked)
            {
                try
                {
                    await atomicStore.TryRemoveAsync(lockKey, owner, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The lease runs out by itself in seconds; the outcome of the write is what the caller needs.
                }
            }
        }
    }

    private async Task ReplaceAsync(string openId, string sessionKey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = await ReadAsync(openId, cancellationToken).ConfigureAwait(false);
        string? previous = null;
        long previousUntil = 0;
        if (stored is { } old)
        {
            if (old.Current != sessionKey)
            {
                (previous, previousUntil) = (old.Current, (now + options.PreviousSessionKeyLifetime).ToUnixTimeMilliseconds());
            }
            else if (old.PreviousUntil > now.ToUnixTimeMilliseconds())
            {
                (previous, previousUntil) = (old.Previous, old.PreviousUntil);
            }
        }

        var entry = new Entry(sessionKey, options.PreviousSessionKeyLifetime > TimeSpan.Zero ? previous : null, previousUntil);
        // Bound to the user: an entry copied to another user's key does not unprotect there.
        var bytes = _protector.Protect(openId, JsonSerializer.SerializeToUtf8Bytes(entry, WeChatMiniProgramJsonContext.Default.Entry));
        await cache.SetAsync(_keyPrefix + openId, bytes, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.SessionKeyLifetime }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The user's keys to try, current first; empty when none is kept.</summary>
    public async Task<string[]> GetKeysAsync(string openId, CancellationToken cancellationToken)
    {
        if (await ReadAsync(openId, cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return [];
        }

        return entry.Previous is { } previous && entry.PreviousUntil > time.GetUtcNow().ToUnixTimeMilliseconds()
            ? [entry.Current, previous]
            : [entry.Current];
    }

    private async Task<Entry?> ReadAsync(string openId, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(_keyPrefix + openId, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            var entry = JsonSerializer.Deserialize(_protector.Unprotect(openId, bytes), WeChatMiniProgramJsonContext.Default.Entry);
            return entry is { Current.Length: 24 } ? entry : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            // Not ours, or protected with a key this instance does not have: as good as none.
            return null;
        }
    }

    internal sealed record Entry(string Current, string? Previous, long PreviousUntil);
}
