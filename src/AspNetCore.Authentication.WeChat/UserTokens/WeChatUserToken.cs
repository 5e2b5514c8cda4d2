namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A user's WeChat tokens as <c>sns/oauth2/refresh_token</c> returned them. The tokens are secrets: never log or show them.
/// </summary>
public sealed class WeChatUserToken
{
    /// <summary>Gets the user access token (<c>access_token</c>).</summary>
    public required string AccessToken { get; init; }

    /// <summary>Gets the refresh token to use next time (<c>refresh_token</c>).</summary>
    public required string RefreshToken { get; init; }

    /// <summary>Gets when the access token expires, from WeChat's <c>expires_in</c>.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the user's openid, which is the one the refresh token was issued for.</summary>
    public required string OpenId { get; init; }

    /// <summary>Gets the scopes the token carries, comma-separated as WeChat sends them, if WeChat sent them.</summary>
    public string? Scope { get; init; }
}
