using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Who a token response of <c>sns/oauth2/access_token</c> signs in. It is the only source of the user's identity:
/// the profile from <c>sns/userinfo</c> may add profile fields, never change these.
/// </summary>
internal sealed record WeChatTokenIdentity(string OpenId, string? UnionId, string? Scope, bool IsSnapshotUser)
{
    /// <summary>
    /// The longest openid or unionid accepted. WeChat's are 28 characters (up to 64 have been documented); a longer one
    /// is not WeChat's and would only bloat the sign-in cookie.
    /// </summary>
    public const int MaxIdLength = 128;

    /// <summary>The longest access or refresh token accepted; WeChat asks to reserve 512 characters for its tokens.</summary>
    public const int MaxTokenLength = 1024;

    private const int MaxScopeLength = 256;

    /// <summary>Reads and checks the identity fields and tokens of a token response.</summary>
    /// <exception cref="WeChatApiException">A field is missing, of the wrong type, malformed or oversized.</exception>
    public static WeChatTokenIdentity Read(JsonElement token, WeChatApiEndpoint endpoint)
    {
        RequireToken(token, "access_token", required: true, endpoint);
        RequireToken(token, "refresh_token", required: false, endpoint);

        var openId = ReadId(token, "openid", endpoint)
            ?? throw Invalid(endpoint, "without an openid");
        var unionId = ReadId(token, "unionid", endpoint);

        string? scope = null;
        if (token.TryGetProperty("scope", out var scopeElement) && scopeElement.ValueKind != JsonValueKind.Null)
        {
            if (scopeElement.ValueKind != JsonValueKind.String
                || scopeElement.GetString() is not { Length: <= MaxScopeLength } text
                || (text.Length > 0 && !text.Split(',', StringSplitOptions.TrimEntries).All(s => UpstreamText.IsWeChatId(s, 64) && !s.Contains('-', StringComparison.Ordinal))))
            {
                throw Invalid(endpoint, "with a scope that is not a comma-separated list of WeChat scopes");
            }

            scope = text.Length > 0 ? text : null;
        }

        return new WeChatTokenIdentity(openId, unionId, scope, IsFlagSet(token, "is_snapshotuser"));
    }

    /// <summary>
    /// Reads an optional openid or unionid: absent, <see langword="null"/> or <c>""</c> is none; anything but a WeChat id
    /// string fails.
    /// </summary>
    public static string? ReadId(JsonElement json, string name, WeChatApiEndpoint endpoint)
    {
        if (!json.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null
            || (element.ValueKind == JsonValueKind.String && element.ValueEquals(ReadOnlySpan<byte>.Empty)))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { } id || !UpstreamText.IsWeChatId(id, MaxIdLength))
        {
            throw Invalid(endpoint, $"with {Article(name)} {name} that is not a WeChat id (at most {MaxIdLength} letters, digits, '-' or '_')");
        }

        return id;
    }

    private static void RequireToken(JsonElement token, string name, bool required, WeChatApiEndpoint endpoint)
    {
        if (!token.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                throw Invalid(endpoint, $"without {Article(name)} {name}");
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 and <= MaxTokenLength } value || !UpstreamText.IsPrintableAscii(value))
        {
            throw Invalid(endpoint, $"with {Article(name)} {name} that is not a WeChat token (at most {MaxTokenLength} printable characters)");
        }
    }

    // WeChat sends is_snapshotuser = 1 for virtual snapshot-page users. Anything set other than 0 counts as set: wrongly
    // treating a real user as virtual is safe, the opposite is not.
    private static bool IsFlagSet(JsonElement json, string name)
        => json.TryGetProperty(name, out var flag) && flag.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => false,
            JsonValueKind.Number => !(flag.TryGetInt32(out var number) && number == 0),
            JsonValueKind.String => !flag.ValueEquals("0"u8) && !flag.ValueEquals(ReadOnlySpan<byte>.Empty),
            _ => true,
        };

    private static string Article(string name) => name[0] is 'a' or 'e' or 'i' or 'o' ? "an" : "a";

    private static WeChatApiException Invalid(WeChatApiEndpoint endpoint, string problem)
        => endpoint.Failure(WeChatFailureKind.InvalidResponse, $"answered {problem}; the sign-in was stopped");
}
