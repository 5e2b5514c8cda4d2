using System.Buffers;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Builds the user JSON the claim actions run on: the identity of the token response, plus the profile fields of
/// <c>sns/userinfo</c> (if any), each bounded so that nothing WeChat sends can make the sign-in cookie unusable.
/// </summary>
internal static class WeChatUserDocument
{
    /// <summary>The most characters kept of a free-text field (nickname, province, city, country, a privilege).</summary>
    public const int MaxTextCharacters = 32;

    /// <summary>The most characters kept of a string field the package does not know (an app may map it).</summary>
    public const int MaxOtherTextLength = 256;

    /// <summary>The longest avatar URL kept; WeChat's are about 150 characters. Longer ones are dropped.</summary>
    public const int MaxHeadImageUrlLength = 512;

    /// <summary>The most privileges kept.</summary>
    public const int MaxPrivileges = 16;

    /// <summary>The most fields the package does not know that are kept, in the order WeChat sent them.</summary>
    public const int MaxOtherFields = 32;

    private const int MaxOtherNameLength = 64;
    private const int MaxNumberLength = 32;

    // Identity: only from the token response. The token response's tokens never reach the user JSON.
    private const string OpenId = "openid";
    private const string UnionId = "unionid";
    private const string Scope = "scope";
    private const string IsSnapshotUser = "is_snapshotuser";

    // Only from cgi-bin/user/info, asked by the package itself: a profile cannot claim the user follows the account.
    private const string Subscribe = "subscribe";

    /// <summary>
    /// Checks that <paramref name="profile"/> is the profile of the token's user: its openid is the token's exact string,
    /// and its unionid, if any, is the token's (when the token has one).
    /// </summary>
    /// <exception cref="WeChatApiException">The profile names another user, or a unionid that is not the token's.</exception>
    public static void CheckProfile(WeChatTokenIdentity identity, JsonElement profile, WeChatApiEndpoint endpoint)
    {
        if (!profile.TryGetProperty(OpenId, out var openId) || openId.ValueKind != JsonValueKind.String || !openId.ValueEquals(identity.OpenId))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with a profile whose openid is not the token's; the sign-in was stopped");
        }

        var profileUnionId = WeChatTokenIdentity.ReadId(profile, UnionId, endpoint);
        if (profileUnionId is not null && identity.UnionId is not null && !string.Equals(profileUnionId, identity.UnionId, StringComparison.Ordinal))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered with a unionid that is not the token's; the sign-in was stopped");
        }
    }

    /// <summary>
    /// Builds the user JSON from the token's identity and a profile that passed <see cref="CheckProfile"/>.
    /// </summary>
    /// <param name="identity">The identity from the token response (with a follower unionid merged in, if any).</param>
    /// <param name="profile">The checked <c>sns/userinfo</c> profile, if one was read.</param>
    /// <param name="subscribe">Whether <c>cgi-bin/user/info</c> said the user follows the account (1) or not (0).</param>
    public static JsonDocument Create(WeChatTokenIdentity identity, JsonElement? profile, int? subscribe = null)
    {
        // Checked: the profile's unionid is valid, and the token's when the token has one.
        var unionId = identity.UnionId ?? (profile is { } checkedProfile && checkedProfile.TryGetProperty(UnionId, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } text ? text : null);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (profile is { } fields)
            {
                var others = 0;
                foreach (var property in fields.EnumerateObject())
                {
                    WriteProfileField(writer, property, ref others);
                }
            }

            writer.WriteString(OpenId, identity.OpenId);
            if (unionId is not null)
            {
                writer.WriteString(UnionId, unionId);
            }

            if (identity.Scope is not null)
            {
                writer.WriteString(Scope, identity.Scope);
            }

            if (identity.IsSnapshotUser)
            {
                writer.WriteNumber(IsSnapshotUser, 1);
            }

            if (subscribe is { } follows)
            {
                writer.WriteNumber(Subscribe, follows);
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static void WriteProfileField(Utf8JsonWriter writer, JsonProperty property, ref int others)
    {
        // By NameEquals, not Name: a sign-in need not make a string of every field's name.
        var value = property.Value;
        if (property.NameEquals(OpenId) || property.NameEquals(UnionId) || property.NameEquals(Scope) || property.NameEquals(IsSnapshotUser) || property.NameEquals(Subscribe))
        {
            return;
        }

        if (KnownText(property) is { } known)
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                writer.WriteString(known, FreeText(value.GetString()!));
            }

            return;
        }

        if (property.NameEquals(HeadImageUrl))
        {
            if (value.ValueKind == JsonValueKind.String && value.GetString() is { } url && IsAvatarUrl(url))
            {
                writer.WriteString(HeadImageUrl, url);
            }

            return;
        }

        if (property.NameEquals(Privilege))
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                writer.WriteStartArray(Privilege);
                var kept = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && kept++ < MaxPrivileges)
                    {
                        writer.WriteStringValue(FreeText(item.GetString()!));
                    }
                }

                writer.WriteEndArray();
            }

            return;
        }

        // Fields the package does not know (an app may map them with ClaimActions): a few bounded scalars only.
        if (others >= MaxOtherFields || property.Name.Length > MaxOtherNameLength)
        {
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                writer.WriteString(property.Name, UpstreamText.Truncate(UpstreamText.Clean(value.GetString()!), MaxOtherTextLength, MaxOtherTextLength));
                break;
            case JsonValueKind.Number when value.GetRawText().Length <= MaxNumberLength:
            case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                property.WriteTo(writer);
                break;
            default:
                return;
        }

        others++;
    }

    private const string HeadImageUrl = "headimgurl";
    private const string Privilege = "privilege";

    private static string? KnownText(JsonProperty property)
        => property.NameEquals("nickname") ? "nickname"
            : property.NameEquals("province") ? "province"
            : property.NameEquals("city") ? "city"
            : property.NameEquals("country") ? "country"
            : null;

    private static string FreeText(string value) => UpstreamText.Truncate(UpstreamText.Clean(value), MaxTextCharacters, MaxTextCharacters * 4);

    // Only what WeChat sends (an absolute http or https URL on WeChat's image servers) may end up in an <img src>.
    private static bool IsAvatarUrl(string url)
        => url.Length <= MaxHeadImageUrlLength
           && UpstreamText.IsPrintableAscii(url)
           && Uri.TryCreate(url, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
           && uri.Host.Length > 0
           && uri.UserInfo.Length == 0; // https://thirdwx.qlogo.cn@evil.example/ is evil.example
}
