using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>WeChat's JSON: raw UTF-8 text (not \u escapes), and errors as <c>{"errcode":N,"errmsg":"… rid: …"}</c>.</summary>
internal static class WeChatEmulatorJson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static WeChatEmulatorResponse Answer<T>(T body) => WeChatEmulatorResponse.Json(Serialize(body));

    public static string Serialize<T>(T body) => JsonSerializer.Serialize(body, Options);

    public static WeChatEmulatorResponse Error(int errorCode, string errorMessage)
        => Answer(new Dictionary<string, object> { ["errcode"] = errorCode, ["errmsg"] = $"{errorMessage}, rid: {RandomNumberGenerator.GetHexString(8, lowercase: true)}-emulator" });

    /// <summary>
    /// Reads a JSON object body as WeChat's POST APIs do: null after <paramref name="read"/> ran on it, or WeChat's
    /// 47001 "data format error" for anything that is not a JSON object.
    /// </summary>
    public static WeChatEmulatorResponse? ReadObject(ReadOnlyMemory<byte> body, Action<JsonElement> read)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Error(47001, "data format error");
            }

            read(json.RootElement);
            return null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Error(47001, "data format error");
        }
    }

    /// <summary>A string property of a body, or null when it is absent or not a string.</summary>
    public static string? Text(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
