using System.Text.Json.Serialization;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>The source-generated JSON of what the mini-program sign-in keeps in the app's cache.</summary>
[JsonSerializable(typeof(WeChatSessionKeyStore.Entry))]
[JsonSerializable(typeof(WeChatCodeExchange.Outcome))]
internal sealed partial class WeChatMiniProgramJsonContext : JsonSerializerContext;
