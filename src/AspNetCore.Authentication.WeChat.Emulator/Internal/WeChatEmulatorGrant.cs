namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>What a user granted: who, which scope, until when, and where the browser reached the emulator.</summary>
internal sealed record WeChatEmulatorGrant(WeChatEmulatorUser User, string Scope, DateTimeOffset Expires, string? EmulatorBaseUrl = null);

/// <summary>A refresh token: the grant it renews, the access token it last renewed, and its 30-day end.</summary>
internal sealed record WeChatEmulatorRefreshGrant(WeChatEmulatorGrant Grant, string AccessToken, DateTimeOffset Expires);
