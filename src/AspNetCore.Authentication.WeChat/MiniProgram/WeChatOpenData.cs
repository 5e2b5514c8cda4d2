using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>
/// The cryptography of a mini-program's open data, as WeChat specifies it
/// (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html): AES-128-CBC with PKCS#7
/// padding keyed by the base64-decoded session_key; <c>sha1(rawData + session_key)</c>; and check-session's
/// HMAC-SHA256, whose key is the session_key's base64 <em>text</em>.
/// </summary>
internal static class WeChatOpenData
{
    /// <summary>The most open data accepted: WeChat's user info is well under 1 KiB.</summary>
    public const int MaxEncryptedDataLength = 32 * 1024;

    private const int BlockSize = 16;

    /// <summary>
    /// Decodes base64 as WeChat's clients send it. A '+' turned into a space when the value went through form or URL
    /// decoding on its way (a classic cause of "illegal base64"), so spaces are read as '+'; anything else that is not
    /// strict base64 fails.
    /// </summary>
    public static byte[]? DecodeBase64(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text) || text.Length > maxLength)
        {
            return null;
        }

        var normalized = text.Replace(' ', '+');
        if (!Base64.IsValid(normalized, out var length))
        {
            return null;
        }

        var bytes = new byte[length];
        return Convert.TryFromBase64String(normalized, bytes, out var written) && written == length ? bytes : null;
    }

    /// <summary>The 16-byte AES key of a session_key, or null when it is not one (24 base64 characters).</summary>
    public static byte[]? Key(string sessionKey)
        => sessionKey.Length == 24 && DecodeBase64(sessionKey, 24) is { Length: BlockSize } key ? key : null;

    /// <summary>
    /// Decrypts <paramref name="cipherText"/>, or returns null when the padding is not strictly PKCS#7 (every pad byte
    /// equal to the pad length, 1 to 16): with a wrong key the last block is noise, whose padding fails this check in
    /// all but about 1 in 256 cases; the caller's JSON and watermark checks catch those.
    /// </summary>
    public static byte[]? Decrypt(byte[] key, byte[] iv, byte[] cipherText)
    {
        if (key.Length != BlockSize || iv.Length != BlockSize || cipherText.Length == 0 || cipherText.Length % BlockSize != 0)
        {
            return null;
        }

        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(cipherText, iv, PaddingMode.None);
        int pad = plain[^1];
        if (pad is < 1 or > BlockSize)
        {
            return null;
        }

        for (var i = plain.Length - pad; i < plain.Length; i++)
        {
            if (plain[i] != pad)
            {
                return null;
            }
        }

        return plain.AsSpan(0, plain.Length - pad).ToArray();
    }

    /// <summary>
    /// Parses decrypted open data: a UTF-8 JSON object (no duplicate keys) whose <c>watermark.appid</c> is
    /// <paramref name="appId"/>. Returns null when it is not one — with a wrong key, that is what noise looks like.
    /// </summary>
    public static JsonDocument? ParseWatermarked(byte[] plain, string appId, out long? timestamp, out bool otherApp)
    {
        timestamp = null;
        otherApp = false;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(plain, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        var root = document.RootElement;
        // Only the last blocks are bound to the key: whoever holds the data can rewrite its first 16 bytes through the iv
        // (CBC has no integrity check), for example into text that cannot be read. Such data is not WeChat's.
        if (root.ValueKind != JsonValueKind.Object || !root.HasOnlyValidText()
            || !root.TryGetProperty("watermark", out var watermark) || watermark.ValueKind != JsonValueKind.Object
            || !watermark.TryGetProperty("appid", out var watermarkAppId) || watermarkAppId.ValueKind != JsonValueKind.String)
        {
            document.Dispose();
            return null;
        }

        if (!watermarkAppId.ValueEquals(appId))
        {
            // Decrypted, so the key was right: the data is real, but another mini-program's.
            otherApp = true;
            document.Dispose();
            return null;
        }

        if (watermark.TryGetProperty("timestamp", out var time) && time.ValueKind == JsonValueKind.Number && time.TryGetInt64(out var seconds))
        {
            timestamp = seconds;
        }

        return document;
    }

    /// <summary>Whether open data's <c>watermark.timestamp</c> is recent enough.</summary>
    public static bool IsRecent(long? timestamp, TimeSpan? maxAge, DateTimeOffset now)
        => maxAge is not { } age
            || (timestamp is { } seconds && seconds <= now.ToUnixTimeSeconds() + 300 && now - DateTimeOffset.FromUnixTimeSeconds(Math.Max(seconds, 0)) <= age);

    /// <summary>The signature of <c>rawData</c>: lower-case hex of <c>sha1(rawData + session_key)</c>.</summary>
    public static string Signature(string rawData, string sessionKey)
#pragma warning disable CA5350 // WeChat's protocol fixes SHA-1 for rawData; it is verified, never chosen.
        => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey)));
#pragma warning restore CA5350

    /// <summary>
    /// The <c>signature</c> of <c>wxa/checksession</c>: lower-case hex of HMAC-SHA256 over the empty string, keyed with
    /// the UTF-8 bytes of the session_key's base64 text, not its decoded bytes (WeChat's own example,
    /// https://developers.weixin.qq.com/minigame/en/dev/tutorial/open-ability/http-signature.html, only reproduces so).
    /// </summary>
    public static string CheckSessionSignature(string sessionKey, string message = "")
        => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionKey), Encoding.UTF8.GetBytes(message)));

    /// <summary>Compares a signature sent by the client with the expected one, in fixed time, ignoring hex case.</summary>
    public static bool SignatureEquals(string expected, string? actual)
        => actual is { Length: > 0 } && actual.Length == expected.Length
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual.ToLower(CultureInfo.InvariantCulture)));
}
