namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// WeChat's <c>errcode</c>s that its login and token APIs answer with, what each usually means, and what kind of failure
/// it is. WeChat reports them with HTTP 200 and <c>{"errcode":…,"errmsg":…}</c>; each API's page lists its own (for
/// example https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken and
/// https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).
/// </summary>
/// <remarks>
/// Never compare <c>errmsg</c>: its suffix (<c>rid: …</c>, <c>hints: […]</c>) changes with every request and over the
/// years. The IP-whitelist family (40164, 89501–89507) puts the server's outbound IP address in <c>errmsg</c>, which
/// must reach no browser; this package redacts it everywhere.
/// </remarks>
public static class WeChatErrorCodes
{
    /// <summary>-1: WeChat is busy (系统繁忙); try again later. Never retry a code exchange: the code works once.</summary>
    public const int SystemBusy = -1;

    /// <summary>40001: the AppSecret is wrong (on a token endpoint), or the access token is invalid or not the latest.</summary>
    public const int InvalidCredential = 40001;

    /// <summary>40002: the <c>grant_type</c> is not valid.</summary>
    public const int InvalidGrantType = 40002;

    /// <summary>40003: the openid does not belong to this app.</summary>
    public const int InvalidOpenId = 40003;

    /// <summary>40013: the AppID is not valid.</summary>
    public const int InvalidAppId = 40013;

    /// <summary>40014: the access token is not valid.</summary>
    public const int InvalidAccessToken = 40014;

    /// <summary>40029: the code is invalid or has expired (a code lives 5 minutes, 10 for website apps).</summary>
    public const int InvalidCode = 40029;

    /// <summary>40030: the refresh token is not valid; the user must authorize again.</summary>
    public const int InvalidRefreshToken = 40030;

    /// <summary>40125: the AppSecret is not valid.</summary>
    public const int InvalidAppSecret = 40125;

    /// <summary>40163: the code was already used.</summary>
    public const int CodeUsed = 40163;

    /// <summary>40164: the server's IP address is not on the account's IP whitelist (its <c>errmsg</c> names the address).</summary>
    public const int IpAddressNotInWhitelist = 40164;

    /// <summary>40226: a high-risk user, blocked by WeChat (mini-program login).</summary>
    public const int UserBlocked = 40226;

    /// <summary>41001: the access token is missing.</summary>
    public const int AccessTokenMissing = 41001;

    /// <summary>41002: the AppID is missing (also what a POST to a GET-only API gets).</summary>
    public const int AppIdMissing = 41002;

    /// <summary>41004: the AppSecret is missing.</summary>
    public const int AppSecretMissing = 41004;

    /// <summary>41008: the code is missing.</summary>
    public const int CodeMissing = 41008;

    /// <summary>42001: the access token has expired.</summary>
    public const int AccessTokenExpired = 42001;

    /// <summary>42002: the refresh token has expired; the user must authorize again.</summary>
    public const int RefreshTokenExpired = 42002;

    /// <summary>42003: the code has expired.</summary>
    public const int CodeExpired = 42003;

    /// <summary>42007: the user changed their password, which revoked their tokens; the user must authorize again.</summary>
    public const int PasswordChanged = 42007;

    /// <summary>43002: the API requires POST.</summary>
    public const int RequirePost = 43002;

    /// <summary>45009: the API's daily quota is used up.</summary>
    public const int DailyQuotaReached = 45009;

    /// <summary>45011: too many calls per minute; slow down and try again in a minute.</summary>
    public const int MinuteQuotaReached = 45011;

    /// <summary>47001: the request body is not the JSON the API expects.</summary>
    public const int DataFormatError = 47001;

    /// <summary>48001: the account is not authorized for this API (snsapi_userinfo needs a verified service account).</summary>
    public const int ApiUnauthorized = 48001;

    /// <summary>87009: the signature is not valid (a stale mini-program session_key).</summary>
    public const int InvalidSignature = 87009;

    /// <summary>89501: the account has a pending confirmation request for this IP address; try again later.</summary>
    public const int IpAddressConfirmationPending = 89501;

    /// <summary>89503: an administrator must confirm this call from this IP address.</summary>
    public const int IpAddressConfirmationRequired = 89503;

    /// <summary>89506: an administrator refused calls from this IP address; try again in 24 hours.</summary>
    public const int IpAddressRefusedFor24Hours = 89506;

    /// <summary>89507: an administrator refused calls from this IP address; try again in an hour.</summary>
    public const int IpAddressRefusedForAnHour = 89507;

    /// <summary>What an <c>errcode</c> usually means, in a short sentence without a final period.</summary>
    /// <param name="errorCode">WeChat's <c>errcode</c>.</param>
    /// <returns>The explanation; for a code this catalogue does not know, a pointer to WeChat's documentation.</returns>
    public static string Describe(int errorCode) => errorCode switch
    {
        SystemBusy => "WeChat is busy; trying again in a moment usually works",
        InvalidCredential => "the AppSecret is wrong (on a token endpoint) or the access token is invalid or not the latest; check the 'AppSecret' setting",
        InvalidGrantType => "the grant_type is not valid",
        InvalidOpenId => "the openid does not belong to this app",
        InvalidAppId => "the AppID is not valid; check the 'AppId' setting",
        InvalidAccessToken => "the access token is not valid",
        InvalidCode => "the authorization code is invalid or has expired",
        InvalidRefreshToken => "the refresh token is not valid; the user must authorize again",
        InvalidAppSecret => "the AppSecret is not valid; check the 'AppSecret' setting",
        CodeUsed => "the authorization code was already used",
        IpAddressNotInWhitelist => "this server's IP address is not on the account's IP whitelist (set it in the WeChat admin console)",
        UserBlocked => "WeChat blocked this user as high-risk",
        AccessTokenMissing => "the access token is missing",
        AppIdMissing => "the AppID is missing (or a GET-only API was called with POST)",
        AppSecretMissing => "the AppSecret is missing",
        CodeMissing => "the code is missing",
        AccessTokenExpired => "the access token has expired",
        RefreshTokenExpired => "the refresh token has expired; the user must authorize again",
        CodeExpired => "the authorization code has expired",
        PasswordChanged => "the user changed their password, which revoked their tokens; the user must authorize again",
        RequirePost => "the API requires POST",
        DailyQuotaReached => "the API's daily quota is used up",
        MinuteQuotaReached => "WeChat's per-minute rate limit was reached; try again in a minute",
        DataFormatError => "the request body is not the JSON the API expects",
        ApiUnauthorized => "the account is not authorized for this API (snsapi_userinfo requires a verified service account)",
        InvalidSignature => "the signature is not valid (the session_key is stale)",
        IpAddressConfirmationPending or 89502 or 89504 or 89505 => "an administrator has not yet confirmed calls from this server's IP address; try again later",
        IpAddressConfirmationRequired => "an administrator must confirm calls from this server's IP address",
        IpAddressRefusedFor24Hours => "an administrator refused calls from this server's IP address; try again in 24 hours",
        IpAddressRefusedForAnHour => "an administrator refused calls from this server's IP address; try again in an hour",
        _ => "see WeChat's documentation of this errcode",
    };

    /// <summary>What kind of failure an <c>errcode</c> is.</summary>
    /// <param name="errorCode">WeChat's <c>errcode</c>.</param>
    /// <returns>The kind; <see cref="WeChatFailureKind.WeChatError"/> for a code without a more specific one.</returns>
    public static WeChatFailureKind KindOf(int errorCode) => errorCode switch
    {
        SystemBusy => WeChatFailureKind.WeChatBusy,
        InvalidCode or CodeUsed or CodeExpired => WeChatFailureKind.InvalidCode,
        DailyQuotaReached or MinuteQuotaReached => WeChatFailureKind.RateLimited,
        InvalidAppId or InvalidAppSecret or InvalidGrantType or AppIdMissing or AppSecretMissing or CodeMissing
            or RequirePost or DataFormatError or ApiUnauthorized => WeChatFailureKind.ConfigurationError,
        IpAddressNotInWhitelist or (>= 89501 and <= 89507) => WeChatFailureKind.IpAddressNotAllowed,
        UserBlocked => WeChatFailureKind.UserBlocked,
        InvalidCredential or InvalidAccessToken or AccessTokenExpired => WeChatFailureKind.AccessTokenRejected,
        InvalidRefreshToken or RefreshTokenExpired or PasswordChanged => WeChatFailureKind.ReauthorizationRequired,
        _ => WeChatFailureKind.WeChatError,
    };
}
