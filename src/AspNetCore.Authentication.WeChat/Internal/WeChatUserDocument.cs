using System.Buffers;
using System.Text.Json;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Builds the user JSON the claim actions run on: the profile from /sns/userinfo (if any), plus the
/// identity fields of the token response that the profile lacks.
/// </summary>
internal static class WeChatUserDocument
{
    // Only identity fields: the tokens in the token response must never reach claims.
    private static readonly string[] TokenFields = ["openid", "unionid", "scope", "is_snapshotuser"];

    public static JsonDocument Create(JsonElement? profile, JsonElement token)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (profile is { } user)
            {
                foreach (var property in user.EnumerateObject())
                {
                    property.WriteTo(writer);
                }
            }

            foreach (var name in TokenFields)
            {
                if ((profile is null || !profile.Value.TryGetProperty(name, out _)) && token.TryGetProperty(name, out var value))
                {
                    writer.WritePropertyName(name);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}
