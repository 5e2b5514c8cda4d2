using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Protects what the package keeps in the app's <see cref="IDistributedCache"/>, bound to its cache key: with Data
/// Protection in a shared cache (Redis, SQL Server: others can read and write it), and without it in the in-process
/// <see cref="MemoryDistributedCache"/>, which nothing outside this process can read or change. There the key is still
/// written in front of the value and checked, so that a value never counts under another key.
/// </summary>
/// <remarks>Every Data Protection operation derives fresh keys: two to four of them were most of a sign-in's time.</remarks>
internal sealed class WeChatCacheProtector(IDistributedCache cache, IDataProtector protector)
{
    /// <summary>Gets whether the cache is this process's own memory.</summary>
    public bool IsInProcess { get; } = cache is MemoryDistributedCache;

    public byte[] Protect(string key, byte[] plain)
    {
        if (!IsInProcess)
        {
            return protector.CreateProtector(key).Protect(plain);
        }

        var bound = new byte[Encoding.UTF8.GetByteCount(key) + 1 + plain.Length];
        var written = Encoding.UTF8.GetBytes(key, bound);
        bound[written] = 0;
        plain.CopyTo(bound.AsSpan(written + 1));
        return bound;
    }

    /// <exception cref="CryptographicException">The value is not one protected for <paramref name="key"/>.</exception>
    public byte[] Unprotect(string key, byte[] data)
    {
        if (!IsInProcess)
        {
            return protector.CreateProtector(key).Unprotect(data);
        }

        var length = Encoding.UTF8.GetByteCount(key);
        if (data.Length <= length || data[length] != 0 || Encoding.UTF8.GetString(data, 0, length) != key)
        {
            throw new CryptographicException("The cached value is not this key's.");
        }

        return data[(length + 1)..];
    }
}
