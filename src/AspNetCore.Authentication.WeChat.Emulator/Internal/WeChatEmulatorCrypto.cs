using System.Security.Cryptography;
using System.Text;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The mini-program's session_key cryptography, as WeChat does it. The session_key itself never leaves the emulator's
/// server side: WeChat's rule is that it is not handed to the client.
/// https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html
/// </summary>
internal static class WeChatEmulatorCrypto
{
    /// <summary>
    /// <c>wxa/checksession</c>'s signature: hex HMAC-SHA256 of <paramref name="message"/> (empty there), keyed with the
    /// UTF-8 bytes of the base64 session_key text, not its decoded bytes (the official example only matches that way).
    /// https://developers.weixin.qq.com/minigame/en/dev/tutorial/open-ability/http-signature.html
    /// </summary>
    public static string HmacSha256Hex(string sessionKey, string message = "")
        => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionKey), Encoding.UTF8.GetBytes(message)));

    /// <summary><c>rawData</c>'s signature: hex SHA-1 of rawData followed by the session_key text.</summary>
    public static string RawDataSignature(string rawData, string sessionKey)
#pragma warning disable CA5350 // SHA-1 is WeChat's choice for this signature, which apps verify; nothing here relies on it.
        => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey)));
#pragma warning restore CA5350

    /// <summary>
    /// Open data (<c>encryptedData</c>): AES-128-CBC with PKCS#7 padding, the key the base64-decoded session_key, a
    /// random 16-byte iv. Returns both base64.
    /// </summary>
    public static (string EncryptedData, string Iv) Encrypt(string plaintext, string sessionKey)
    {
        var iv = RandomNumberGenerator.GetBytes(16);
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var encrypted = aes.EncryptCbc(Encoding.UTF8.GetBytes(plaintext), iv, PaddingMode.PKCS7);
        return (Convert.ToBase64String(encrypted), Convert.ToBase64String(iv));
    }
}
