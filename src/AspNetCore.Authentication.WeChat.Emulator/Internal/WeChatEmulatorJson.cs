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
}
