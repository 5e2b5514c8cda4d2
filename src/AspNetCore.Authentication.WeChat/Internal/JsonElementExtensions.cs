using System.Text.Json;

namespace AspNetCore.Authentication.WeChat.Internal;

internal static class JsonElementExtensions
{
    /// <summary>The property's string value, or null when it is absent, not a string, or empty.</summary>
    public static string? GetNonEmptyString(this JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    /// <summary>
    /// Whether every string and key can be read: JSON text may escape a lone surrogate (\ud800) or carry bytes that are
    /// not UTF-8, which parse but throw when read.
    /// </summary>
    public static bool HasOnlyValidText(this JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name is null || !HasOnlyValidText(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!HasOnlyValidText(item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
