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
        string fresh;
        try
        {
            fresh = await provider.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WeChatApiException)
        {
            // No other token can be had now (the provider logged why): the caller gets WeChat's rejection as it came.
            return response;
        }

        if (string.Equals(fresh, token, StringComparison.Ordinal))
        {
            // WeChat handed back the token it just rejected, or another was fetched less than RetryInterval ago:
            // repeating the call would only be rejected again.
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

        byte[] body;
        if (content.Headers.ContentLength is not null)
        {
            // At most MaxErrorBytes, as promised: buffered, so that the caller still reads the answer.
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Chunked: only its first MaxErrorBytes are looked at; the caller reads them, then the rest, as sent.
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var start = new byte[MaxErrorBytes + 1];
            var length = 0;
            int read;
            while (length < start.Length && (read = await stream.ReadAsync(start.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            response.Content = WithSameHeaders(content, new StreamContent(new PrefixedStream(start.AsMemory(0, length), stream)));
            if (length > MaxErrorBytes)
            {
                return false;
            }

            body = start.AsSpan(0, length).ToArray();
        }

        return body.Length <= MaxErrorBytes && ReadErrorCode(body) is WeChatErrorCodes.InvalidCredential or WeChatErrorCodes.InvalidAccessToken or WeChatErrorCodes.AccessTokenExpired;
    }

    private static HttpContent WithSameHeaders(HttpContent original, HttpContent replacement)
    {
        foreach (var header in original.Headers.NonValidated)
        {
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return replacement;
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

    /// <summary>The bytes already read from an answer, then the rest of it.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> start, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _start = start;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_start.IsEmpty)
            {
                return rest.Read(buffer);
            }

            var n = Math.Min(buffer.Length, _start.Length);
            _start.Span[..n].CopyTo(buffer);
            _start = _start[n..];
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_start.IsEmpty)
            {
                return rest.ReadAsync(buffer, cancellationToken);
            }

            var n = Math.Min(buffer.Length, _start.Length);
            _start.Span[..n].CopyTo(buffer.Span);
            _start = _start[n..];
            return new ValueTask<int>(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
