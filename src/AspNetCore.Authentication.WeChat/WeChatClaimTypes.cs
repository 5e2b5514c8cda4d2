namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Claim types for the WeChat-specific values of a signed-in user.
/// </summary>
/// <remarks>
/// The name identifier, name (nickname), gender, province, city and country use the standard
/// <see cref="System.Security.Claims.ClaimTypes"/>.
/// </remarks>
public static class WeChatClaimTypes
{
    /// <summary>
    /// The user's openid: unique per user and per official account.
    /// </summary>
    public const string OpenId = "urn:wechat:openid";

    /// <summary>
    /// The user's unionid: the same for every app bound to one WeChat Open Platform account.
    /// Only present when the official account is bound to an Open Platform account.
    /// </summary>
    public const string UnionId = "urn:wechat:unionid";

    /// <summary>
    /// The URL of the user's avatar (WeChat's <c>headimgurl</c>). It stops working when the user changes their avatar.
    /// </summary>
    public const string HeadImageUrl = "urn:wechat:headimgurl";

    /// <summary>
    /// One of the user's privileges (WeChat's <c>privilege</c> array); one claim per privilege.
    /// </summary>
    public const string Privilege = "urn:wechat:privilege";

    /// <summary>
    /// A scope the user granted (WeChat's <c>scope</c>); one claim per scope.
    /// </summary>
    public const string Scope = "urn:wechat:scope";

    /// <summary>
    /// Present with the value <c>1</c> when the user is a virtual "snapshot page" user (快照页).
    /// Such a user's openid, unionid, nickname and avatar are not the real user's: do not link them to an account.
    /// </summary>
    public const string IsSnapshotUser = "urn:wechat:is_snapshotuser";

    /// <summary>
    /// Whether the user follows the official account (关注): <c>1</c> or <c>0</c>, from <c>cgi-bin/user/info</c> at
    /// sign-in. Present only when <see cref="WeChatAuthenticationOptions.FollowerInformationAccessToken"/> is set and
    /// WeChat answered.
    /// </summary>
    public const string Subscribe = "urn:wechat:subscribe";

    /// <summary>
    /// The AppID of the WeChat app the user signed in with (a mini-program's sign-in adds it): openids are per app, so
    /// an openid means something only next to its AppID.
    /// </summary>
    public const string AppId = "urn:wechat:appid";

    /// <summary>
    /// A mini-program sign-in's session: its random id and the generation of its latest refresh token
    /// (<c>{id}.{generation}</c>). The package keeps one record per session, so that each refresh token works once and a
    /// session can be refreshed only by the holder of its newest token.
    /// </summary>
    public const string MiniProgramSession = "urn:wechat:miniprogram:session";
}
