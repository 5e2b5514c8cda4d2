using System.Text.Json;

namespace AspNetCore.Authentication.WeChat.Internal;

internal static class JsonElementExtensions
{
    /// <summary>The property's string value, or null when it is absent, not a string, or empty.</summary>
    public static string? GetNonEmptyString(this JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
