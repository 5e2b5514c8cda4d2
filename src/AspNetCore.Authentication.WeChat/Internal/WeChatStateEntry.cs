using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// What the state store keeps under a sign-in's short state.
/// </summary>
internal sealed record WeChatStateEntry
{
    /// <summary>The authentication properties, protected by the scheme's <c>StateDataFormat</c>.</summary>
    [JsonPropertyName("p")]
    public required string Properties { get; init; }

    /// <summary>The correlation id, whose cookie binds the callback to the browser that began the sign-in.</summary>
    [JsonPropertyName("c")]
    public string? CorrelationId { get; init; }

    /// <summary>Whether a callback has already used this state.</summary>
    [JsonPropertyName("u")]
    public bool Used { get; init; }

    /// <summary>The openid this state signed in, once it has.</summary>
    [JsonPropertyName("o")]
    public string? OpenId { get; init; }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, WeChatStateEntryJsonContext.Default.WeChatStateEntry);

    public static WeChatStateEntry? FromBytes(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, WeChatStateEntryJsonContext.Default.WeChatStateEntry);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(WeChatStateEntry))]
internal sealed partial class WeChatStateEntryJsonContext : JsonSerializerContext;
