namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>What a user granted: who, which scope, until when, and where the browser reached the emulator.</summary>
internal sealed record WeChatEmulatorGrant(WeChatEmulatorUser User, string Scope, DateTimeOffset Expires, string? EmulatorBaseUrl = null);
