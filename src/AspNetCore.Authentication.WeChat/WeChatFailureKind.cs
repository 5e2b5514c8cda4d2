namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// What kind of failure a <see cref="WeChatException"/> is, so that an app can show its own words for it (the
/// exception's message is written for developers).
/// </summary>
public enum WeChatFailureKind
{
    /// <summary>A WeChat error without a more specific kind: see <see cref="WeChatException.ErrorCode"/>.</summary>
    WeChatError = 0,

    /// <summary>The sign-in's state is unknown, expired, tampered with, or was already used.</summary>
    StateExpired,

    /// <summary>
    /// The callback came without the correlation cookie of the browser that began the sign-in (WeChat's in-app browser
    /// sometimes drops cookies; the link may have been opened in another browser).
    /// </summary>
    CorrelationCookieMissing,

    /// <summary>The user refused to authorize the app.</summary>
    AccessDenied,

    /// <summary>The state store (the app's cache, or its atomic store) failed or did not answer in time.</summary>
    StateStoreUnavailable,

    /// <summary>WeChat says the authorization code is invalid, expired or already used (40029, 40163, 42003).</summary>
    InvalidCode,

    /// <summary>WeChat is busy (-1): trying again in a moment usually works.</summary>
    WeChatBusy,

    /// <summary>A WeChat quota or rate limit was reached (45009 daily, 45011 per minute).</summary>
    RateLimited,

    /// <summary>
    /// The app is misconfigured or not allowed to do this: a wrong AppID or AppSecret (40013, 40125, 40001 on a token
    /// endpoint), a missing parameter, or an account without the permission (48001).
    /// </summary>
    ConfigurationError,

    /// <summary>
    /// WeChat refused the server's IP address: it is not on the account's IP whitelist (40164), or an administrator must
    /// confirm it (89501–89507).
    /// </summary>
    IpAddressNotAllowed,

    /// <summary>WeChat returned no unionid, but the app's options require one.</summary>
    UnionIdMissing,

    /// <summary>WeChat could not be reached, or answered with an HTTP error (a gateway page, a 5xx).</summary>
    WeChatUnavailable,

    /// <summary>WeChat did not answer within the backchannel timeout.</summary>
    WeChatTimeout,

    /// <summary>
    /// WeChat's answer could not be used: not JSON, too large, malformed, a redirect, another user's profile, or
    /// anything else that breaks the rules of the answer.
    /// </summary>
    InvalidResponse,

    /// <summary>
    /// An API refused the access token it was called with (40001 not the latest, 40014 invalid, 42001 expired): a fresh
    /// token usually works.
    /// </summary>
    AccessTokenRejected,

    /// <summary>
    /// The user must authorize the app again: the refresh token is invalid (40030) or expired (42002), or the user
    /// changed their password (42007).
    /// </summary>
    ReauthorizationRequired,

    /// <summary>WeChat blocked the user's mini-program sign-in as high-risk (40226, 高风险等级用户).</summary>
    UserBlocked,

    /// <summary>
    /// The mini-program's open data (or phone number) could not be verified: it does not decrypt with the user's
    /// session_key, is not strictly padded JSON, carries another app's watermark or is too old, or its signature differs.
    /// </summary>
    InvalidOpenData,

    /// <summary>The app's own code refused the sign-in or the refresh (an event called <c>Reject</c>).</summary>
    Rejected,

    /// <summary>
    /// The server keeps no session_key for the mini-program user (they never signed in here, or it expired): the
    /// mini-program must sign in again (<c>wx.login</c>) before it asks for open data.
    /// </summary>
    SessionKeyMissing,
}
