using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

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
    /// <remarks>
    /// Text without escapes is checked where it lies, as UTF-8, without making strings of it; only escaped text (rare,
    /// but WeChat's <c>\/</c> in URLs is one) is decoded to be checked.
    /// </remarks>
    public static bool HasOnlyValidText(this JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    if (!IsValidUnescaped(JsonMarshal.GetRawUtf8Value(element)))
                    {
                        _ = element.GetString();
                    }

                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if ((!IsValidUnescaped(JsonMarshal.GetRawUtf8PropertyName(property)) && property.Name is null) || !HasOnlyValidText(property.Value))
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

    /// <summary>
    /// Whether raw JSON text (with or without its quotes) has no escape and is valid UTF-8; <see langword="false"/> when
    /// it must be decoded to tell.
    /// </summary>
    private static bool IsValidUnescaped(ReadOnlySpan<byte> raw)
    {
        if (raw.Length >= 2 && raw[0] == (byte)'"' && raw[^1] == (byte)'"')
        {
            raw = raw[1..^1];
        }

        return !raw.Contains((byte)'\\') && Utf8.IsValid(raw);
    }
}
