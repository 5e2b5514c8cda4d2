namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// What a user granted: to which app (its code and tokens work with that app's AppID only, and answer the user's openid
/// in that app), who, which scope, until when, and where the browser reached the emulator.
/// </summary>
internal sealed record WeChatEmulatorGrant(WeChatEmulatorApp App, WeChatEmulatorUser User, string Scope, DateTimeOffset Expires, string? EmulatorBaseUrl = null)
{
    /// <summary>The user's openid in the app the grant is for.</summary>
    public string OpenId => User.OpenIdIn(App);
}

/// <summary>A refresh token: the grant it renews, the access token it last renewed, and its 30-day end.</summary>
internal sealed record WeChatEmulatorRefreshGrant(WeChatEmulatorGrant Grant, string AccessToken, DateTimeOffset Expires);
