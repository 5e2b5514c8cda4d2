using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Api;

/// <summary>
/// Calls WeChat's APIs and reads their answers the way WeChat really sends them. Every flow of the package calls WeChat
/// through this client, and nothing else calls <see cref="HttpClient"/>.
/// </summary>
/// <remarks>
/// One place for what every call needs: GET or POST with a JSON body; the timeout over headers and body; no redirect
/// followed or believed; a 64 KiB cap; UTF-8 whatever the Content-Type says; raw control characters tolerated; valid
/// Unicode and no duplicate keys required; <c>errcode</c> ≠ 0 as a failure. Every failure is a
/// <see cref="WeChatApiException"/> with its kind, and is logged once.
/// </remarks>
internal sealed class WeChatApiClient(HttpClient httpClient, TimeSpan timeout, ILogger logger)
{
    /// <summary>WeChat's answers are well under 2 KiB; anything larger than this is not one of them.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    /// <summary>Sends a GET with <paramref name="query"/> and returns the JSON answer, which the caller must dispose.</summary>
    /// <param name="endpoint">The API.</param>
    /// <param name="query">The query parameters, escaped here; they may carry secrets, which never reach a message.</param>
    /// <param name="check">Checks the answer (throwing through <see cref="WeChatApiEndpoint.Failure"/>) before it is returned.</param>
    /// <param name="isExpected">Whether an <c>errcode</c> is one the caller expects and handles: still thrown, not logged.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="WeChatApiException">The call failed; its <see cref="WeChatException.Kind"/> says how.</exception>
    public Task<JsonDocument> GetAsync(
        WeChatApiEndpoint endpoint,
        (string Name, string Value)[] query,
        Action<JsonElement, WeChatApiEndpoint>? check = null,
        Func<int, bool>? isExpected = null,
        CancellationToken cancellationToken = default)
        => SendAsync(HttpMethod.Get, endpoint, query, body: null, check, isExpected, cancellationToken);

    /// <summary>Sends a POST with a JSON body and returns the JSON answer, which the caller must dispose.</summary>
    /// <param name="endpoint">The API.</param>
    /// <param name="query">The query parameters (for example <c>access_token</c>), escaped here.</param>
    /// <param name="json">The UTF-8 JSON body.</param>
    /// <param name="check">Checks the answer before it is returned.</param>
    /// <param name="isExpected">Whether an <c>errcode</c> is one the caller expects and handles: still thrown, not logged.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="WeChatApiException">The call failed; its <see cref="WeChatException.Kind"/> says how.</exception>
    public Task<JsonDocument> PostJsonAsync(
        WeChatApiEndpoint endpoint,
        (string Name, string Value)[] query,
        ReadOnlyMemory<byte> json,
        Action<JsonElement, WeChatApiEndpoint>? check = null,
        Func<int, bool>? isExpected = null,
        CancellationToken cancellationToken = default)
        => SendAsync(HttpMethod.Post, endpoint, query, json, check, isExpected, cancellationToken);

    private async Task<JsonDocument> SendAsync(
        HttpMethod method,
        WeChatApiEndpoint endpoint,
        (string Name, string Value)[] query,
        ReadOnlyMemory<byte>? body,
        Action<JsonElement, WeChatApiEndpoint>? check,
        Func<int, bool>? isExpected,
        CancellationToken cancellationToken)
    {
        JsonDocument? document = null;
        try
        {
            document = await ReadAnswerAsync(method, endpoint, query, body, cancellationToken).ConfigureAwait(false);
            check?.Invoke(document.RootElement, endpoint);
            return document;
        }
        catch (WeChatApiException failure)
        {
            document?.Dispose();
            if (failure.ErrorCode is { } errorCode)
            {
                if (isExpected?.Invoke(errorCode) != true)
                {
                    logger.WeChatErrorCode(endpoint.Display, errorCode, failure.ErrorMessage);
                }
            }
            else
            {
                logger.WeChatRequestFailed(failure.Message);
            }

            throw;
        }
    }

    private async Task<JsonDocument> ReadAnswerAsync(
        HttpMethod method,
        WeChatApiEndpoint endpoint,
        (string Name, string Value)[] query,
        ReadOnlyMemory<byte>? body,
        CancellationToken cancellationToken)
    {
        // One timeout for the headers and the body: HttpClient.Timeout alone stops at the headers once the body is
        // streamed, and an app's own Backchannel may have any timeout.
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            var requestUri = new Uri(BuildUrl(endpoint.Url, query));
            using var request = new HttpRequestMessage(method, requestUri);
            request.Headers.Accept.Add(JsonMediaType);
            if (body is { } json)
            {
                request.Content = new ReadOnlyMemoryContent(json) { Headers = { ContentType = JsonContentType } };
            }

            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token).ConfigureAwait(false);

            // WeChat's APIs never redirect. A redirect would carry the AppSecret and the code elsewhere, and its answer
            // would decide who signs in, so it is neither followed nor believed: the package's own client does not follow
            // redirects, and an app's Backchannel that did is caught by the request URI having changed.
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                throw endpoint.Failure(WeChatFailureKind.InvalidResponse, string.Create(CultureInfo.InvariantCulture,
                    $"answered HTTP {(int)response.StatusCode} ({response.StatusCode}), a redirect, which WeChat's API never sends; it was not followed"));
            }

            // (Its query may differ: WeChatAccessTokenHandler puts the access token there.)
            if (response.RequestMessage?.RequestUri is { } answered
                && Uri.Compare(answered, requestUri, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped, StringComparison.Ordinal) != 0)
            {
                throw endpoint.Failure(WeChatFailureKind.InvalidResponse,
                    "was called through a Backchannel that followed a redirect, so its answer was not used; WeChat's API never redirects: set AllowAutoRedirect = false on the handler of the Backchannel or BackchannelHttpHandler option");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw endpoint.Failure(WeChatFailureKind.WeChatUnavailable, string.Create(CultureInfo.InvariantCulture,
                    $"answered HTTP {(int)response.StatusCode} ({response.StatusCode}) instead of a WeChat response; WeChat may be unavailable"));
            }

            var bytes = await ReadCappedAsync(response.Content, endpoint, timeoutSource.Token).ConfigureAwait(false);
            var document = Parse(bytes, endpoint);
            ThrowIfError(document, endpoint);
            return document;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw endpoint.Failure(WeChatFailureKind.WeChatTimeout, string.Create(CultureInfo.InvariantCulture,
                $"did not answer within {timeout.TotalSeconds:0.###} seconds (BackchannelTimeout)"), ex);
        }
        catch (HttpRequestException ex)
        {
            throw endpoint.Failure(WeChatFailureKind.WeChatUnavailable, $"could not be reached ({ex.HttpRequestError})", ex);
        }
        catch (IOException ex)
        {
            // The connection broke while the answer was read (HttpIOException: it ended before its Content-Length).
            throw endpoint.Failure(WeChatFailureKind.WeChatUnavailable, ex is HttpIOException http ? $"broke off its answer ({http.HttpRequestError})" : "broke off its answer", ex);
        }
    }

    private static string BuildUrl(string endpoint, (string Name, string Value)[] query)
    {
        // One builder per thread, reused: a call allocates its URL and nothing else to make it.
        var url = (t_url ??= new StringBuilder(512)).Clear().Append(endpoint);
        var separator = endpoint.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (name, value) in query)
        {
            url.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        var built = url.ToString();
        if (url.Capacity > 8192)
        {
            t_url = null;
        }

        return built;
    }

    [ThreadStatic]
    private static StringBuilder? t_url;

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, WeChatApiEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxResponseBytes)
        {
            throw TooLarge(endpoint);
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
                        throw TooLarge(endpoint);
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

    private static WeChatApiException TooLarge(WeChatApiEndpoint endpoint)
        => endpoint.Failure(WeChatFailureKind.InvalidResponse, string.Create(CultureInfo.InvariantCulture,
            $"answered with more than {MaxResponseBytes / 1024} KiB, which is not a WeChat response"));

    private static JsonDocument Parse(byte[] body, WeChatApiEndpoint endpoint)
    {
        // WeChat has sent raw control characters inside strings (e.g. "city":"\b"), which strict JSON rejects; like
        // co-wechat-api we blank them. The bytes are decoded as UTF-8 whatever the Content-Type says: WeChat labels JSON
        // as text/plain without a charset, or with "encoding=utf-8" instead of "charset".
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
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with something that is not JSON; WeChat may be unavailable", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The check for duplicate keys reads every key, and a key may escape a lone surrogate.
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with text that is not valid Unicode", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with JSON that is not an object");
        }

        // JSON text may escape a lone surrogate (\ud800) or carry bytes that are not UTF-8; such a string can be parsed
        // but not read. Checked once here, so that no later read of the answer can fail.
        if (!document.RootElement.HasOnlyValidText())
        {
            document.Dispose();
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with text that is not valid Unicode");
        }

        // WeChat reports errors with errcode, never with OAuth's error/error_description. An answer carrying them is not
        // WeChat's; its description is not repeated, only the error code, if it is a plain token.
        if (document.RootElement.TryGetProperty("error", out var oauthError))
        {
            var code = oauthError.ValueKind == JsonValueKind.String && oauthError.GetString() is { Length: > 0 and <= 64 } text && UpstreamText.IsWeChatId(text.Replace('.', '_'), 64)
                ? $" '{text}'"
                : "";
            document.Dispose();
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, $"answered with an OAuth error{code} instead of a WeChat response");
        }

        return document;
    }

    private static void ThrowIfError(JsonDocument document, WeChatApiEndpoint endpoint)
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
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with an errcode that is not a number");
        }

        if (errorCode == 0)
        {
            return;
        }

        var errorMessage = document.RootElement.TryGetProperty("errmsg", out var errmsgElement) && errmsgElement.ValueKind == JsonValueKind.String
            ? UpstreamText.SanitizeErrorMessage(errmsgElement.GetString())
            : null;
        document.Dispose();
        throw new WeChatApiException(
            string.Create(CultureInfo.InvariantCulture, $"{endpoint.Display} returned errcode {errorCode} ({errorMessage}): {endpoint.Describe(errorCode)}."),
            endpoint.Display,
            endpoint.KindOf(errorCode),
            errorCode,
            errorMessage);
    }
}
