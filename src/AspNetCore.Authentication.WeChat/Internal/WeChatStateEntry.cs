using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// What the state store keeps under a sign-in's short state: the pending sign-in, then how it ended.
/// </summary>
internal sealed record WeChatStateEntry
{
    /// <summary>
    /// The authentication properties, protected by the scheme's <c>StateDataFormat</c>, in a store shared with other
    /// instances; empty in the in-process store, which keeps <see cref="LocalProperties"/> instead.
    /// </summary>
    [JsonPropertyName("p")]
    public required string Properties { get; init; }

    /// <summary>
    /// The authentication properties themselves, for a store that keeps entries in this process: nothing outside it
    /// can read or change them, so they need no Data Protection (two cryptographic operations per sign-in).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string?>? LocalProperties { get; init; }

    /// <summary>The correlation id, whose cookie binds the callback to the browser that began the sign-in.</summary>
    [JsonPropertyName("c")]
    public string? CorrelationId { get; init; }

    /// <summary>How the callback that spent this state ended; <see cref="WeChatStateOutcome.Pending"/> until then.</summary>
    [JsonPropertyName("s")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public WeChatStateOutcome Outcome { get; init; }

    /// <summary>The openid this state signed in.</summary>
    [JsonPropertyName("o")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OpenId { get; init; }

    /// <summary>
    /// The sign-in this state produced, protected: a duplicate callback from the same browser (whose first answer may
    /// never have arrived) is given the same sign-in instead of a second exchange.
    /// </summary>
    [JsonPropertyName("t")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ticket { get; init; }

    /// <summary>
    /// The same sign-in as <see cref="Ticket"/>, serialized but not protected, for a store that keeps entries in this
    /// process (nothing outside it can read or change them). Bytes rather than the ticket itself: thousands of kept
    /// principals would be object graphs for the garbage collector to trace on every collection.
    /// </summary>
    [JsonIgnore]
    public byte[]? SignedIn { get; init; }

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

/// <summary>How the callback that spent a state ended.</summary>
internal enum WeChatStateOutcome
{
    /// <summary>No callback has finished with this state yet.</summary>
    Pending = 0,

    /// <summary>It signed a user in.</summary>
    SignedIn = 1,

    /// <summary>It failed (WeChat error, refusal, …): the state cannot be used again.</summary>
    Failed = 2,
}

[JsonSerializable(typeof(WeChatStateEntry))]
internal sealed partial class WeChatStateEntryJsonContext : JsonSerializerContext;
