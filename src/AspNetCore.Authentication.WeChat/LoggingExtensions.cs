using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The handler's log messages. None of them takes a secret, a token or an authorization code.
/// </summary>
/// <remarks>
/// They share the handler's category with ASP.NET Core's own OAuth log messages, whose event ids are small
/// numbers; ours start at 1001 so that the two never collide.
/// </remarks>
internal static partial class LoggingExtensions
{
    [LoggerMessage(1001, LogLevel.Error, "The WeChat sign-in state could not be stored, so the challenge was answered with 503 Service Unavailable. Check the IDistributedCache (e.g. Redis).", EventName = "WeChatStateStoreUnavailableAtChallenge")]
    public static partial void StateStoreUnavailableAtChallenge(this ILogger logger, Exception exception);

    [LoggerMessage(1002, LogLevel.Error, "The WeChat sign-in state could not be read or updated, so the callback failed. Check the IDistributedCache (e.g. Redis).", EventName = "WeChatStateStoreUnavailableAtCallback")]
    public static partial void StateStoreUnavailableAtCallback(this ILogger logger, Exception exception);

    [LoggerMessage(1003, LogLevel.Information, "The WeChat callback's state is missing or not of the form WeChat echoes back.", EventName = "WeChatStateMalformed")]
    public static partial void StateMalformed(this ILogger logger);

    [LoggerMessage(1004, LogLevel.Information, "The WeChat callback's state is unknown: it expired, was never issued, or the state store lost it.", EventName = "WeChatStateNotFound")]
    public static partial void StateNotFound(this ILogger logger);

    [LoggerMessage(1005, LogLevel.Information, "The WeChat callback's state was already used by another browser or session.", EventName = "WeChatStateAlreadyUsed")]
    public static partial void StateAlreadyUsed(this ILogger logger);

    [LoggerMessage(1006, LogLevel.Information, "A repeated WeChat callback for a sign-in this browser already completed was sent on to its return URL without exchanging the code again.", EventName = "WeChatDuplicateCallback")]
    public static partial void DuplicateCallback(this ILogger logger);

    [LoggerMessage(1007, LogLevel.Warning, "The WeChat callback arrived without its correlation cookie ('{CookieName}' and the sign-in's nonce, which is not logged: with it and the callback URL anyone could finish the sign-in). The browser that began the sign-in did not send it back: WeChat's in-app browser sometimes drops cookies, the link may have been opened in another browser, or the cookie was blocked (SameSite or Secure settings).", EventName = "WeChatCorrelationCookieMissing")]
    public static partial void CorrelationCookieMissing(this ILogger logger, string cookieName);

    [LoggerMessage(1008, LogLevel.Warning, "{Endpoint} returned errcode {ErrorCode} ({ErrorMessage}).", EventName = "WeChatErrorCode")]
    public static partial void WeChatErrorCode(this ILogger logger, string endpoint, int errorCode, string? errorMessage);

    [LoggerMessage(1009, LogLevel.Warning, "Calling WeChat failed: {Reason}", EventName = "WeChatRequestFailed")]
    public static partial void WeChatRequestFailed(this ILogger logger, string reason);

    [LoggerMessage(1010, LogLevel.Debug, "The user granted only snsapi_base, so WeChat's user information endpoint is not called.", EventName = "WeChatUserInfoSkipped")]
    public static partial void UserInfoSkipped(this ILogger logger);

    [LoggerMessage(1011, LogLevel.Information, "WeChat refused the profile of a snapshot-page user (errcode 48001); the sign-in continues with the token response's identity.", EventName = "WeChatSnapshotUserWithoutProfile")]
    public static partial void SnapshotUserWithoutProfile(this ILogger logger);

    [LoggerMessage(1013, LogLevel.Warning, "WeChat returned no unionid for this user, so the sign-in failed: the 'NameIdentifierSource' option is UnionId. A unionid needs the official account bound to a WeChat Open Platform account and the snsapi_userinfo scope; UnionIdOrOpenId falls back to the openid.", EventName = "WeChatUnionIdRequired")]
    public static partial void UnionIdRequired(this ILogger logger);

    [LoggerMessage(1014, LogLevel.Warning, "A WeChat challenge was refused with 400 Bad Request: its return URL ({ReturnUrlLength} characters, at most 2048) or its properties ({PropertiesLength} characters, at most 4096) are too long to keep for every pending sign-in.", EventName = "WeChatChallengeTooLarge")]
    public static partial void ChallengeTooLarge(this ILogger logger, int returnUrlLength, int propertiesLength);

    [LoggerMessage(1015, LogLevel.Warning, "WeChat sign-in states are kept in the app's IDistributedCache ({CacheType}), but no shared IWeChatAtomicStore is registered, so each state's single use is enforced within this instance only. In a web farm, register one (AddWeChatStackExchangeRedis from AspNetCore.Authentication.WeChat.StackExchangeRedis), or two instances may both exchange a code for one state.", EventName = "WeChatStateSingleUsePerInstance")]
    public static partial void StateSingleUsePerInstance(this ILogger logger, string cacheType);

    [LoggerMessage(1016, LogLevel.Warning, "Whether the signed-in user follows the official account could not be had ({Kind}, errcode {ErrorCode}): {Reason} The sign-in goes on without the subscribe claim and a follower's unionid.", EventName = "WeChatFollowerInformationUnavailable")]
    public static partial void FollowerInformationUnavailable(this ILogger logger, WeChatFailureKind kind, int? errorCode, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "The WeChat sign-in ended ({Outcome}), but the state store could not record it; a repeated callback from this browser waits for it and then shows the 'expired or already used' error.", EventName = "WeChatStateCompletionNotRecorded")]
    public static partial void StateCompletionNotRecorded(this ILogger logger, WeChatStateOutcome outcome, Exception exception);

    [LoggerMessage(1101, LogLevel.Debug, "Fetched a WeChat access token for '{Name}' ({Mode}), valid {ExpiresIn} s.", EventName = "WeChatAccessTokenFetched")]
    public static partial void AccessTokenFetched(this ILogger logger, string name, WeChatAccessTokenMode mode, int expiresIn);

    [LoggerMessage(1102, LogLevel.Debug, "Took the WeChat access token of '{Name}' that another instance put in the shared cache.", EventName = "WeChatAccessTokenAdopted")]
    public static partial void AccessTokenAdopted(this ILogger logger, string name);

    [LoggerMessage(1103, LogLevel.Warning, "Could not get a WeChat access token for '{Name}': {Reason} A still-valid token, if any, keeps being used; WeChat is not asked again for {RetryIn} s.", EventName = "WeChatAccessTokenFetchFailed")]
    public static partial void AccessTokenFetchFailed(this ILogger logger, string name, string reason, double retryIn);

    [LoggerMessage(1104, LogLevel.Information, "An API rejected the WeChat access token of '{Name}'; the next caller gets another.", EventName = "WeChatAccessTokenInvalidated")]
    public static partial void AccessTokenInvalidated(this ILogger logger, string name);

    [LoggerMessage(1105, LogLevel.Warning, "The shared cache or lease of the WeChat access token of '{Name}' failed or did not answer; the token is kept and fetched in this instance alone meanwhile.", EventName = "WeChatAccessTokenSharedStoreUnavailable")]
    public static partial void SharedTokenStoreUnavailable(this ILogger logger, string name, Exception exception);

    [LoggerMessage(1106, LogLevel.Warning, "The WeChat access token of '{Name}' was force-refreshed (force_refresh=true) by an operator: the previous one no longer works anywhere.", EventName = "WeChatAccessTokenForceRefreshed")]
    public static partial void AccessTokenForceRefreshed(this ILogger logger, string name);

    [LoggerMessage(1107, LogLevel.Warning, "WeChat rejected the access token of '{Name}', and the token fetched after it was the same; the rejection is passed on rather than repeated.", EventName = "WeChatAccessTokenRejectedAgain")]
    public static partial void AccessTokenRejectedAgain(this ILogger logger, string name);

    [LoggerMessage(1201, LogLevel.Debug, "A user's WeChat tokens of scheme '{Scheme}' were renewed with their refresh token.", EventName = "WeChatUserTokenRefreshed")]
    public static partial void UserTokenRefreshed(this ILogger logger, string scheme);

    [LoggerMessage(1301, LogLevel.Information, "A mini-program sign-in of '{Name}' failed ({Kind}, errcode {ErrorCode}): {Reason}", EventName = "WeChatMiniProgramSignInFailed")]
    public static partial void MiniProgramSignInFailed(this ILogger logger, string name, WeChatFailureKind kind, int? errorCode, string reason);

    [LoggerMessage(1302, LogLevel.Warning, "The mini-program's recently exchanged codes could not be kept in or read from the app's IWeChatAtomicStore or IDistributedCache ({ExceptionType}); a retried code may answer 400 instead of repeating its sign-in.", EventName = "WeChatMiniProgramCodeStoreUnavailable")]
    public static partial void MiniProgramCodeStoreUnavailable(this ILogger logger, string exceptionType);

    [LoggerMessage(1303, LogLevel.Error, "A mini-program user's session_key could not be stored in or read from the app's IDistributedCache ({ExceptionType}), so the request failed with 503. Check the cache (e.g. Redis).", EventName = "WeChatMiniProgramSessionKeyStoreUnavailable")]
    public static partial void MiniProgramSessionKeyStoreUnavailable(this ILogger logger, string exceptionType);

    [LoggerMessage(1304, LogLevel.Information, "A mini-program sent a code of '{Name}' again within the repeated-code window; it got {Outcome} without calling WeChat again.", EventName = "WeChatMiniProgramRepeatedCode")]
    public static partial void MiniProgramRepeatedCode(this ILogger logger, string name, string outcome);

    [LoggerMessage(1305, LogLevel.Information, "A mini-program refresh of '{Name}' was refused with 401: {Reason}", EventName = "WeChatMiniProgramRefreshRefused")]
    public static partial void MiniProgramRefreshRefused(this ILogger logger, string name, string reason);

    [LoggerMessage(1306, LogLevel.Information, "Mini-program open data of '{Name}' was refused ({Kind}): {Reason}", EventName = "WeChatMiniProgramOpenDataRefused")]
    public static partial void MiniProgramOpenDataRefused(this ILogger logger, string name, WeChatFailureKind kind, string reason);

    [LoggerMessage(1307, LogLevel.Information, "A mini-program request to '{Name}' was refused with {StatusCode} before WeChat was called: {Reason}", EventName = "WeChatMiniProgramBadRequest")]
    public static partial void MiniProgramBadRequest(this ILogger logger, string name, int statusCode, string reason);

    [LoggerMessage(1308, LogLevel.Error, "A mini-program session's record could not be written to or read from the app's IWeChatAtomicStore ({ExceptionType}), so the {Operation} failed. Check the store (e.g. Redis).", EventName = "WeChatMiniProgramSessionStoreUnavailable")]
    public static partial void MiniProgramSessionStoreUnavailable(this ILogger logger, string exceptionType, string operation);

    [LoggerMessage(1401, LogLevel.Warning, "The WeChat browser routing '{Scheme}' forwards to '{OfficialAccountScheme}' (name identifier from {OfficialAccountSource}) and '{QrConnectScheme}' (from {QrConnectSource}): openids differ per app, so one person signing in both ways becomes two users. Set NameIdentifierSource to UnionId on both (the apps must be bound to one WeChat Open Platform account).", EventName = "WeChatBrowserRoutingIdentityMismatch")]
    public static partial void BrowserRoutingIdentityMismatch(this ILogger logger, string scheme, string officialAccountScheme, WeChatNameIdentifierSource officialAccountSource, string qrConnectScheme, WeChatNameIdentifierSource qrConnectSource);

    [LoggerMessage(1402, LogLevel.Warning, "The WeChat browser routing '{Scheme}' ignored its SelectScheme's answer, which is none of its OfficialAccountScheme, QrConnectScheme, WeComScheme or MobileBrowserScheme, and routed the request by its User-Agent. The answer is not logged: a selector may read it from the request.", EventName = "WeChatBrowserRoutingSelectionIgnored")]
    public static partial void BrowserRoutingSelectionIgnored(this ILogger logger, string scheme);
}
