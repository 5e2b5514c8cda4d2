using System.Globalization;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>The services of one mini-program: its session keys, open data, check-session and phone numbers.</summary>
internal sealed class WeChatMiniProgramService(
    string name,
    WeChatMiniProgramOptions options,
    WeChatSessionKeyStore sessionKeys,
    Func<HttpClient> apiClient,
    TimeProvider time,
    ILogger logger) : IWeChatMiniProgramService
{
    private const int MaxPhoneFieldLength = 32;

    private readonly WeChatApiEndpoint _phoneNumberApi = new("WeChat's getPhoneNumber endpoint", options.PhoneNumberEndpoint);
    private readonly WeChatApiEndpoint _checkSessionApi = new("WeChat's checkSessionKey endpoint", options.CheckSessionEndpoint);

    public async Task<JsonDocument> DecryptAsync(string openId, string encryptedData, string iv, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(openId);
        var keys = await KeysAsync(openId, cancellationToken).ConfigureAwait(false);
        var cipherText = WeChatOpenData.DecodeBase64(encryptedData, WeChatOpenData.MaxEncryptedDataLength);
        var initializationVector = iv is { Length: 24 } ? WeChatOpenData.DecodeBase64(iv, 24) : null;
        if (cipherText is null || cipherText.Length % 16 != 0 || initializationVector is not { Length: 16 })
        {
            throw Refused("The open data is not base64 of whole AES blocks with a 16-byte iv (24 base64 characters).");
        }

        var otherApp = false;
        var tooOld = false;
        foreach (var sessionKey in keys)
        {
            if (WeChatOpenData.Decrypt(WeChatOpenData.Key(sessionKey)!, initializationVector, cipherText) is not { } plain)
            {
                continue;
            }

            if (WeChatOpenData.ParseWatermarked(plain, options.AppId, out var timestamp, out var ofOtherApp) is not { } document)
            {
                otherApp |= ofOtherApp;
                continue;
            }

            if (!WeChatOpenData.IsRecent(timestamp, options.OpenDataMaxAge, time.GetUtcNow()))
            {
                document.Dispose();
                tooOld = true;
                continue;
            }

            // The first block is the client's to rewrite (see WeChatOpenData.ParseWatermarked), and that is where the
            // openId of user info sits: it must be the signed-in user's.
            if (!NamesOnly(document.RootElement, openId))
            {
                document.Dispose();
                throw Refused("The open data decrypted, but its openId is not the signed-in user's: it was altered, or is another user's.");
            }

            return document;
        }

        throw Refused(otherApp ? "The open data decrypted, but its watermark names another app's AppID."
            : tooOld ? string.Create(CultureInfo.InvariantCulture, $"The open data's watermark timestamp is older than the 'OpenDataMaxAge' option ({options.OpenDataMaxAge}) allows.")
            : "The open data does not decrypt with the user's session_key (current or previous) to watermarked JSON: it was encrypted with another key (the mini-program must call wx.login before asking for open data), or it was altered.");
    }

    /// <summary>
    /// Whether every key that reads as "openId" to a case-insensitive reader (as ASP.NET Core's web JSON defaults are)
    /// is WeChat's own spelling and holds the signed-in user's openid.
    /// </summary>
    private static bool NamesOnly(JsonElement data, string openId)
    {
        foreach (var property in data.EnumerateObject())
        {
            if (property.Name.Equals("openId", StringComparison.OrdinalIgnoreCase)
                && !(property.Name == "openId" && property.Value.ValueKind == JsonValueKind.String && property.Value.ValueEquals(openId)))
            {
                return false;
            }
        }

        return true;
    }

    public async Task<bool> VerifySignatureAsync(string openId, string rawData, string signature, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(openId);
        ArgumentNullException.ThrowIfNull(rawData);
        foreach (var sessionKey in await KeysAsync(openId, cancellationToken).ConfigureAwait(false))
        {
            if (WeChatOpenData.SignatureEquals(WeChatOpenData.Signature(rawData, sessionKey), signature))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<bool> CheckSessionAsync(string openId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(openId);
        // The current key first; the previous one too, since two sign-ins at once may have stored WeChat's newest key
        // as the previous one.
        foreach (var sessionKey in await KeysAsync(openId, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey
                using var answer = await Api().GetAsync(
                    _checkSessionApi,
                    [("openid", openId), ("signature", WeChatOpenData.CheckSessionSignature(sessionKey)), ("sig_method", "hmac_sha256")],
                    isExpected: static code => code == WeChatErrorCodes.InvalidSignature,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (WeChatApiException ex) when (ex.ErrorCode == WeChatErrorCodes.InvalidSignature)
            {
            }
        }

        return false;
    }

    public async Task<WeChatPhoneNumber> GetPhoneNumberAsync(string code, string? openId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        if (!UpstreamText.IsWeChatId(code, WeChatMiniProgramEndpoints.MaxCodeLength))
        {
            throw Refused("The phone-number code is not a WeChat code (at most 128 letters, digits, '-' or '_').", WeChatFailureKind.InvalidCode);
        }

        // JSON body, the code in it; a form body answers 47001 and a code in the query 40029.
        // https://developers.weixin.qq.com/miniprogram/dev/server/API/user-info/phone-number/api_getphonenumber
        var body = openId is null
            ? JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code })
            : JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code, ["openid"] = openId });
        try
        {
            using var answer = await Api().PostJsonAsync(
                _phoneNumberApi,
                [],
                body,
                check: (phone, api) => ReadPhoneNumber(phone, api),
                isExpected: WeChatCodeExchange.IsTheClients,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return ReadPhoneNumber(answer.RootElement, _phoneNumberApi);
        }
        catch (WeChatApiException ex) when (ex.ErrorCode is { } errorCode && WeChatCodeExchange.IsTheClients(errorCode))
        {
            // The client logs no line for the errcodes a request causes; this is the one.
            logger.MiniProgramOpenDataRefused(name, ex.Kind, ex.Message);
            throw;
        }
    }

    private WeChatPhoneNumber ReadPhoneNumber(JsonElement answer, WeChatApiEndpoint endpoint)
    {
        if (!answer.TryGetProperty("phone_info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without a phone_info object");
        }

        var phoneNumber = PhoneField(info, "phoneNumber", endpoint);
        var purePhoneNumber = PhoneField(info, "purePhoneNumber", endpoint);
        var countryCode = PhoneField(info, "countryCode", endpoint);
        if (!info.TryGetProperty("watermark", out var watermark) || watermark.ValueKind != JsonValueKind.Object
            || !watermark.TryGetProperty("appid", out var appId) || appId.ValueKind != JsonValueKind.String || !appId.ValueEquals(options.AppId))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidOpenData, "answered with a phone number whose watermark does not name this mini-program's AppID");
        }

        long? timestamp = watermark.TryGetProperty("timestamp", out var seconds) && seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt64(out var value) ? value : null;
        if (!WeChatOpenData.IsRecent(timestamp, options.OpenDataMaxAge, time.GetUtcNow()))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidOpenData, "answered with a phone number whose watermark timestamp is older than the 'OpenDataMaxAge' option allows");
        }

        return new WeChatPhoneNumber { PhoneNumber = phoneNumber, PurePhoneNumber = purePhoneNumber, CountryCode = countryCode };
    }

    // Digits, with '+', '-' and spaces in phoneNumber; WeChat sends countryCode as a number or a string.
    private static string PhoneField(JsonElement info, string name, WeChatApiEndpoint endpoint)
    {
        string? text = null;
        if (info.TryGetProperty(name, out var element))
        {
            text = element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Number when element.TryGetInt32(out var number) && number >= 0 => number.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
        }

        if (text is not { Length: > 0 and <= MaxPhoneFieldLength } || !text.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' ') || !text.Any(char.IsAsciiDigit))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, $"answered without a {name} of digits (at most {MaxPhoneFieldLength} characters)");
        }

        return text;
    }

    private async Task<string[]> KeysAsync(string openId, CancellationToken cancellationToken)
    {
        string[] keys;
        try
        {
            keys = await sessionKeys.GetKeysAsync(openId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.MiniProgramSessionKeyStoreUnavailable(ex.GetType().Name);
            throw new WeChatException("The mini-program user's session_key could not be read from the app's IDistributedCache.", WeChatFailureKind.StateStoreUnavailable, innerException: ex);
        }

        if (keys.Length == 0)
        {
            var failure = new WeChatException("No session_key is kept for this mini-program user (they have not signed in here, or it expired): the mini-program must call wx.login and sign in again.", WeChatFailureKind.SessionKeyMissing);
            logger.MiniProgramOpenDataRefused(name, failure.Kind, failure.Message);
            throw failure;
        }

        return keys;
    }

    private WeChatException Refused(string message, WeChatFailureKind kind = WeChatFailureKind.InvalidOpenData)
    {
        logger.MiniProgramOpenDataRefused(name, kind, message);
        return new WeChatException(message, kind);
    }

    private WeChatApiClient Api() => new(apiClient(), options.BackchannelTimeout, logger);
}
