using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.AccessTokens;

/// <summary>
/// Puts an app's global access token on each call to WeChat and refreshes it passively: when WeChat rejects the token
/// (40001, 40014, 42001), invalidates exactly that token, gets another once and repeats the call once. The package's
/// own calls with the global token go through it as well.
/// </summary>
/// <remarks>
/// WeChat asks for this passive path next to the refresh ahead: an API may report a token expired before its time (a
/// force refresh, a second refresher). https://developers.weixin.qq.com/doc/service/en/api/base/api_getaccesstoken
/// </remarks>
internal sealed class WeChatAccessTokenHandler(WeChatAccessTokenProvider provider, ILoggerFactory loggerFactory) : DelegatingHandler
{
    /// <summary>WeChat's error answers are a few hundred bytes; a larger answer is not one of them and is passed on unread.</summary>
    private const int MaxErrorBytes = 4 * 1024;

    private const string TokenParameter = "access_token";

    private readonly ILogger _logger = loggerFactory.CreateLogger("AspNetCore.Authentication.WeChat.AccessTokens");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.RequestUri ?? throw new InvalidOperationException("The request to WeChat has no RequestUri.");
        if (!provider.MayReceiveToken(target))
        {
            // Nothing is sent: a URL built from input, or a typo, must not carry the app's token to another host.
            throw new InvalidOperationException(
                $"The WeChat access token of '{provider.Name}' is only sent to api.weixin.qq.com over https and to the host of the provider's token endpoint, not to '{target.GetLeftPart(UriPartial.Authority)}'.");
        }

        if (request.Content is { } content)
        {
            // A repeated call sends the body again.
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var token = await provider.GetAsync(cancellationToken).ConfigureAwait(false);
        request.RequestUri = WithToken(target, token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!await IsTokenRejectedAsync(response, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        await provider.InvalidateAsync(token, cancellationToken).ConfigureAwait(false);
        var fresh = await provider.GetAsync(cancellationToken).ConfigureAwait(false);
        if (string.Equals(fresh, token, StringComparison.Ordinal))
        {
            // WeChat handed back the token it just rejected: repeating the call would only be rejected again.
            _logger.AccessTokenRejectedAgain(provider.Name);
            return response;
        }

        response.Dispose();
        request.RequestUri = WithToken(target, fresh);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The URL with <c>access_token</c> set to <paramref name="token"/>, any that the caller put there replaced.</summary>
    private static Uri WithToken(Uri uri, string token)
    {
        var query = new StringBuilder(uri.Query.Length + token.Length + 16);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!pair.StartsWith(TokenParameter + "=", StringComparison.Ordinal) && pair != TokenParameter)
            {
                query.Append(pair).Append('&');
            }
        }

        query.Append(TokenParameter).Append('=').Append(Uri.EscapeDataString(token));
        return new UriBuilder(uri) { Query = query.ToString() }.Uri;
    }

    private static async Task<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // WeChat sends errors with HTTP 200, as JSON labelled application/json or text/plain (or nothing).
        var content = response.Content;
        if (!response.IsSuccessStatusCode
            || content.Headers.ContentLength > MaxErrorBytes
            || content.Headers.ContentType?.MediaType is { } mediaType && !IsTextual(mediaType))
        {
            return false;
        }

        // Buffered, so that the caller still reads the answer (HttpClient buffers it anyway unless asked not to).
        await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return body.Length <= MaxErrorBytes && ReadErrorCode(body) is WeChatErrorCodes.InvalidCredential or WeChatErrorCodes.InvalidAccessToken or WeChatErrorCodes.AccessTokenExpired;
    }

    private static bool IsTextual(string mediaType)
        => mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static int? ReadErrorCode(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isErrorCode = reader.ValueTextEquals("errcode"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isErrorCode)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code) ? code : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a control character WeChat forgot to escape, say): not a rejection this handler can act on.
        }

        return null;
    }
}
