using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Calls one of WeChat's JSON GET APIs and reads the answer the way WeChat really sends it.
/// </summary>
internal static class WeChatApi
{
    /// <summary>
    /// WeChat's answers are well under 2 KiB; anything larger than this is not one of them.
    /// </summary>
    public const int MaxResponseBytes = 64 * 1024;

    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");

    /// <summary>
    /// Sends a GET and returns the JSON body, which the caller must dispose.
    /// </summary>
    /// <exception cref="WeChatAuthenticationException">
    /// Timeout, transport failure, non-success status, oversized or malformed body, or a non-zero <c>errcode</c>.
    /// </exception>
    public static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url, string endpointName, TimeSpan timeout, CancellationToken requestAborted)
    {
        // One timeout for the headers and the body: HttpClient.Timeout alone stops at the headers
        // once the body is streamed, and a user-supplied Backchannel may have any timeout.
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeoutSource.CancelAfter(timeout);
        try
        {
            var requestUri = new Uri(url);
            using var request = new HttpRequestMessage(HttpMethod.Get, requestUri);
            request.Headers.Accept.Add(JsonMediaType);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token).ConfigureAwait(false);

            // WeChat's APIs never redirect. A redirect would carry the AppSecret and the code elsewhere, and its answer
            // would decide who signs in, so it is neither followed nor believed: the package's own client does not follow
            // redirects, and an app's Backchannel that did is caught by the request URI having changed.
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                throw new WeChatAuthenticationException(string.Create(CultureInfo.InvariantCulture,
                    $"{endpointName} answered HTTP {(int)response.StatusCode} ({response.StatusCode}), a redirect, which WeChat's API never sends; it was not followed. Please try again."));
            }

            if (response.RequestMessage?.RequestUri is { } answered && answered != requestUri)
            {
                throw new WeChatAuthenticationException($"The request to {endpointName} was redirected by the Backchannel, so its answer was not used. WeChat's API never redirects: set AllowAutoRedirect = false on the handler of the Backchannel or BackchannelHttpHandler option.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new WeChatAuthenticationException(string.Create(CultureInfo.InvariantCulture,
                    $"{endpointName} answered HTTP {(int)response.StatusCode} ({response.StatusCode}) instead of a WeChat response; WeChat may be unavailable. Please try again."));
            }

            var body = await ReadCappedAsync(response.Content, endpointName, timeoutSource.Token).ConfigureAwait(false);
            var document = Parse(body, endpointName);
            ThrowIfError(document, endpointName);
            return document;
        }
        catch (OperationCanceledException ex) when (!requestAborted.IsCancellationRequested)
        {
            throw new WeChatAuthenticationException(string.Create(CultureInfo.InvariantCulture,
                $"{endpointName} did not answer within {timeout.TotalSeconds:0.###} seconds (BackchannelTimeout). Please try again."), ex);
        }
        catch (HttpRequestException ex)
        {
            throw new WeChatAuthenticationException($"{endpointName} could not be reached ({ex.HttpRequestError}). Please try again.", ex);
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, string endpointName, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxResponseBytes)
        {
            throw TooLarge(endpointName);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseBytes + 1);
            try
            {
                var length = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length, MaxResponseBytes + 1 - length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length > MaxResponseBytes)
                    {
                        throw TooLarge(endpointName);
                    }
                }

                return buffer.AsSpan(0, length).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static WeChatAuthenticationException TooLarge(string endpointName)
        => new(string.Create(CultureInfo.InvariantCulture, $"{endpointName} answered with more than {MaxResponseBytes / 1024} KiB, which is not a WeChat response. Please try again."));

    private static JsonDocument Parse(byte[] body, string endpointName)
    {
        // WeChat has sent raw control characters inside strings (e.g. "city":"\b"), which strict JSON
        // rejects; like co-wechat-api we blank them. The bytes are decoded as UTF-8 whatever the
        // Content-Type says: WeChat labels JSON as text/plain without a charset.
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] < 0x20)
            {
                body[i] = (byte)' ';
            }
        }

        JsonDocument document;
        try
        {
            // A key given twice is not an answer to take either way (which openid would count?).
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new WeChatAuthenticationException($"{endpointName} answered with something that is not JSON; WeChat may be unavailable. Please try again.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The check for duplicate keys reads every key, and a key may escape a lone surrogate.
            throw new WeChatAuthenticationException($"{endpointName} answered with text that is not valid Unicode. Please try again.", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new WeChatAuthenticationException($"{endpointName} answered with JSON that is not an object. Please try again.");
        }

        // JSON text may escape a lone surrogate (\ud800) or carry bytes that are not UTF-8; such a string can be parsed
        // but not read. Checked once here, so that no later read of the answer can fail.
        if (!HasOnlyValidText(document.RootElement))
        {
            document.Dispose();
            throw new WeChatAuthenticationException($"{endpointName} answered with text that is not valid Unicode. Please try again.");
        }

        // WeChat reports errors with errcode, never with OAuth's error/error_description. An answer carrying them is not
        // WeChat's; its description is not repeated, only the error code, if it is a plain token.
        if (document.RootElement.TryGetProperty("error", out var oauthError))
        {
            var code = oauthError.ValueKind == JsonValueKind.String && oauthError.GetString() is { Length: > 0 and <= 64 } text && UpstreamText.IsWeChatId(text.Replace('.', '_'), 64)
                ? $" '{text}'"
                : "";
            document.Dispose();
            throw new WeChatAuthenticationException($"{endpointName} answered with an OAuth error{code} instead of a WeChat response. Please try again.");
        }

        return document;
    }

    private static bool HasOnlyValidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name is null || !HasOnlyValidText(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!HasOnlyValidText(item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void ThrowIfError(JsonDocument document, string endpointName)
    {
        // WeChat reports errors with HTTP 200 and {"errcode":N,"errmsg":"..."}; some successes carry "errcode":0.
        if (!document.RootElement.TryGetProperty("errcode", out var errcodeElement))
        {
            return;
        }

        int errorCode;
        if (errcodeElement.ValueKind == JsonValueKind.Number && errcodeElement.TryGetInt32(out var number))
        {
            errorCode = number;
        }
        else if (errcodeElement.ValueKind == JsonValueKind.String && int.TryParse(errcodeElement.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            errorCode = number;
        }
        else
        {
            document.Dispose();
            throw new WeChatAuthenticationException($"{endpointName} answered with an errcode that is not a number. Please try again.");
        }

        if (errorCode == 0)
        {
            return;
        }

        var errorMessage = document.RootElement.TryGetProperty("errmsg", out var errmsgElement) && errmsgElement.ValueKind == JsonValueKind.String
            ? UpstreamText.SanitizeErrorMessage(errmsgElement.GetString())
            : null;
        document.Dispose();
        throw new WeChatAuthenticationException(
            string.Create(CultureInfo.InvariantCulture, $"{endpointName} returned errcode {errorCode} ({errorMessage}): {WeChatErrorCodes.Explain(errorCode)}."),
            errorCode,
            errorMessage);
    }
}
