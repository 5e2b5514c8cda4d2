using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Protects what the package keeps in the app's <see cref="IDistributedCache"/>, bound to its cache key: with Data
/// Protection in a shared cache (Redis, SQL Server: other instances must read it, and others may reach it), and with
/// AES-GCM under a random key of this process in the in-process <see cref="MemoryDistributedCache"/>, which nothing
/// outside the process can read or change. Either way a value is encrypted and counts only under its own key.
/// </summary>
/// <remarks>
/// Every Data Protection operation derives fresh keys (a key derivation per payload): two to four of them were most of a
/// mini-program sign-in's time. The in-process cache needs neither a shared key ring nor that derivation.
/// </remarks>
internal sealed class WeChatCacheProtector(IDistributedCache cache, IDataProtector protector)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Made once per process: a restart forgets the in-process cache anyway.
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);

    [ThreadStatic]
    private static AesGcm? t_aes;

    /// <summary>Gets whether the cache is this process's own memory.</summary>
    public bool IsInProcess { get; } = cache is MemoryDistributedCache;

    public byte[] Protect(string key, byte[] plain)
    {
        if (!IsInProcess)
        {
            return protector.CreateProtector(key).Protect(plain);
        }

        var sealedValue = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(key));
        return sealedValue;
    }

    /// <exception cref="CryptographicException">The value is not one protected for <paramref name="key"/>.</exception>
    public byte[] Unprotect(string key, byte[] data)
    {
        if (!IsInProcess)
        {
            return protector.CreateProtector(key).Unprotect(data);
        }

        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The cached value is too short to be one of ours.");
        }

        var plain = new byte[data.Length - NonceSize - TagSize];
        Aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(key));
        return plain;
    }

    // AesGcm is not documented as safe for concurrent use: one per thread.
    private static AesGcm Aes => t_aes ??= new AesGcm(ProcessKey, TagSize);
}
