using System.Net.Http.Headers;
using System.Text.Json;
using AspNetCore.Authentication.WeChat;

namespace MvcSample.Models;

/// <summary>
/// Asks WeChat whether a user follows the official account: <c>GET cgi-bin/user/info?openid=…</c>, with the account's
/// global access token put on the call (and refreshed when WeChat rejects it) by <c>AddWeChatAccessTokenHandler</c>.
/// https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo
/// </summary>
public sealed partial class WeChatFollowerApi(HttpClient client, IConfiguration configuration, ILogger<WeChatFollowerApi> logger)
{
    /// <summary>The name the official account's access token provider is registered with.</summary>
    public const string AccessTokenName = "official-account";

    public const string DefaultUserInfoEndpoint = "https://api.weixin.qq.com/cgi-bin/user/info";

    // WeChat's answer is a few hundred bytes; an answer larger than this is not one.
    private const int MaxAnswerBytes = 64 * 1024;

    private readonly string _endpoint = configuration["WeChat:Api:UserInfoEndpoint"] is { Length: > 0 } endpoint ? endpoint : DefaultUserInfoEndpoint;

    public async Task<FollowerStatus> GetAsync(string openId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{_endpoint}?openid={Uri.EscapeDataString(openId)}&lang=zh_CN");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                return Failed(openId, WeChatFailureKind.WeChatUnavailable, null, $"HTTP {(int)response.StatusCode}");
            }

            var body = await ReadCappedAsync(response.Content, cancellationToken);
            return body is null
                ? Failed(openId, WeChatFailureKind.InvalidResponse, null, "an answer over 64 KiB")
                : Read(openId, body);
        }
        catch (WeChatException ex)
        {
            // No access token: the IP whitelist, the AppSecret, a used-up quota. The provider logged why.
            return new FollowerStatus(openId, null, null, new FollowerFailure(ex.Kind, ex.ErrorCode));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Failed(openId, ex is TaskCanceledException ? WeChatFailureKind.WeChatTimeout : WeChatFailureKind.WeChatUnavailable, null, ex.GetType().Name);
        }
    }

    /// <summary>The answer, or null when it is larger than <see cref="MaxAnswerBytes"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxAnswerBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > MaxAnswerBytes ? null : buffer[..length];
    }

    private FollowerStatus Read(string openId, byte[] body)
    {
        try
        {
            // WeChat labels its JSON text/plain or "encoding=utf-8": the bytes are read as UTF-8 JSON whatever it says.
            // One openid per answer: with duplicate keys, which one counts would be the parser's choice.
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Failed(openId, WeChatFailureKind.InvalidResponse, null, "not a JSON object");
            }

            if (root.TryGetProperty("errcode", out var errcode) && errcode.ValueKind == JsonValueKind.Number && errcode.TryGetInt32(out var code) && code != 0)
            {
                return Failed(openId, WeChatErrorCodes.KindOf(code), code, WeChatErrorCodes.Describe(code));
            }

            // The answer must be about the user asked for, with WeChat's 0 or 1; anything else is not believed.
            if (!root.TryGetProperty("openid", out var answered) || answered.ValueKind != JsonValueKind.String || answered.GetString() != openId
                || !root.TryGetProperty("subscribe", out var subscribe) || subscribe.ValueKind != JsonValueKind.Number || !subscribe.TryGetInt32(out var subscribed) || subscribed is not (0 or 1))
            {
                return Failed(openId, WeChatFailureKind.InvalidResponse, null, "no openid of this user or no subscribe of 0 or 1");
            }

            var unionId = subscribed == 1 && root.TryGetProperty("unionid", out var union) && union.ValueKind == JsonValueKind.String
                && union.GetString() is { Length: > 0 and <= 128 } value && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
                ? value
                : null;
            return new FollowerStatus(openId, subscribed, unionId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid Unicode (a lone surrogate escape).
            return Failed(openId, WeChatFailureKind.InvalidResponse, null, "not JSON of valid Unicode without duplicate keys");
        }
    }

    private FollowerStatus Failed(string openId, WeChatFailureKind kind, int? errorCode, string reason)
    {
        LogLookupFailed(logger, kind, errorCode, reason);
        return new FollowerStatus(openId, null, null, new FollowerFailure(kind, errorCode));
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not tell whether the user follows the official account ({Kind}, errcode {ErrorCode}): {Reason}.", EventName = "FollowerLookupFailed")]
    private static partial void LogLookupFailed(ILogger logger, WeChatFailureKind kind, int? errorCode, string reason);
}
