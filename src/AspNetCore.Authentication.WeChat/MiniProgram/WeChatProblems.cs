using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The RFC 9457 problem details (<c>application/problem+json</c>) the mini-program endpoints answer with: a stable
/// <c>type</c> per failure kind, the failure's <c>kind</c>, WeChat's <c>errcode</c> where it sent one, and a short
/// <c>detail</c> for users in Chinese and English. Never a secret, a session_key, an IP address or a developer message.
/// </summary>
public static class WeChatProblems
{
    /// <summary>The request is not what the endpoint takes (not JSON, no or an oversized field): 400.</summary>
    public const string InvalidRequest = "urn:wechat:problem:invalid-request";

    /// <summary>The request's Content-Type is not <c>application/json</c>: 415.</summary>
    public const string UnsupportedMediaType = "urn:wechat:problem:unsupported-media-type";

    /// <summary>WeChat says the code (a login or phone-number code) is invalid, expired or already used (40029, 40163): 400.</summary>
    public const string InvalidCode = "urn:wechat:problem:invalid-code";

    /// <summary>WeChat's rate limit was reached (45011: 100 sign-ins per user per minute): 429 with <c>Retry-After</c>.</summary>
    public const string RateLimited = "urn:wechat:problem:rate-limited";

    /// <summary>WeChat blocked the user as high-risk (40226): 403.</summary>
    public const string UserBlocked = "urn:wechat:problem:user-blocked";

    /// <summary>The app requires a unionid, and WeChat gave none for this user: 403.</summary>
    public const string UnionIdMissing = "urn:wechat:problem:unionid-missing";

    /// <summary>The app's own code refused the sign-in (<see cref="WeChatMiniProgramContext.Reject"/>): 403.</summary>
    public const string SignInRejected = "urn:wechat:problem:sign-in-rejected";

    /// <summary>The refresh token is invalid, expired, already used or revoked: 401.</summary>
    public const string InvalidRefreshToken = "urn:wechat:problem:invalid-refresh-token";

    /// <summary>Open data or a phone number could not be verified (decryption, padding, watermark, age, signature): 400.</summary>
    public const string InvalidOpenData = "urn:wechat:problem:invalid-open-data";

    /// <summary>No session_key is kept for the user: the mini-program must sign in again first: 401.</summary>
    public const string SessionKeyMissing = "urn:wechat:problem:session-key-missing";

    /// <summary>WeChat is busy (-1), unreachable or did not answer in time: 503.</summary>
    public const string WeChatUnavailable = "urn:wechat:problem:wechat-unavailable";

    /// <summary>The app's cache or atomic store failed: 503.</summary>
    public const string StoreUnavailable = "urn:wechat:problem:store-unavailable";

    /// <summary>WeChat answered with something that is not a usable answer: 502.</summary>
    public const string InvalidResponse = "urn:wechat:problem:invalid-response";

    /// <summary>
    /// The server is misconfigured (a wrong AppID or AppSecret, an IP not whitelisted, …): 500, generic text, without
    /// <c>kind</c> or <c>errcode</c>, which are logged.
    /// </summary>
    public const string ServerError = "urn:wechat:problem:server-error";

    /// <summary>The problem for a failure, as an endpoint's result.</summary>
    /// <param name="failure">The failure.</param>
    /// <returns>The result: problem details with the failure's status, type, kind and errcode.</returns>
    public static IResult Result(WeChatException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (status, type, title, chinese, english) = Describe(failure.Kind);
        var problem = Create(status, type, title, chinese, english);
        // A server error says nothing more to an anonymous caller (which setting is wrong, that the IP is not
        // whitelisted): its kind and errcode are in the log.
        if (type != ServerError)
        {
            problem.Extensions["kind"] = failure.Kind.ToString();
            if (failure.ErrorCode is { } errorCode)
            {
                problem.Extensions["errcode"] = errorCode;
            }
        }

        // WeChat's per-minute limit resets within a minute; a busy or unreachable WeChat, or the cache, in moments.
        var retryAfter = failure.Kind == WeChatFailureKind.RateLimited ? "60" : status == StatusCodes.Status503ServiceUnavailable ? "5" : null;
        return new ProblemResult(problem, retryAfter, status == StatusCodes.Status401Unauthorized);
    }

    internal static IResult Request(int status, string chinese, string english)
    {
        var type = status == StatusCodes.Status415UnsupportedMediaType ? UnsupportedMediaType : InvalidRequest;
        var title = status == StatusCodes.Status415UnsupportedMediaType ? "The request must be application/json." : "The request is not valid.";
        return new ProblemResult(Create(status, type, title, chinese, english), null, false);
    }

    internal static IResult RefreshRefused()
        => new ProblemResult(
            Create(StatusCodes.Status401Unauthorized, InvalidRefreshToken, "The refresh token is not valid.", "登录已失效，请重新登录。", "Your session has expired. Please sign in again."),
            null,
            challenge: true);

    private static ProblemDetails Create(int status, string type, string title, string chinese, string english) => new()
    {
        Status = status,
        Type = type,
        Title = title,
        Detail = chinese + " " + english,
    };

    private static (int Status, string Type, string Title, string Chinese, string English) Describe(WeChatFailureKind kind) => kind switch
    {
        WeChatFailureKind.InvalidCode => (400, InvalidCode, "The code is invalid, expired or already used.", "凭证已失效或已使用，请重试。", "The code has expired or was already used. Please try again."),
        WeChatFailureKind.RateLimited => (429, RateLimited, "WeChat's rate limit was reached.", "操作过于频繁，请一分钟后再试。", "Too many attempts. Please try again in a minute."),
        WeChatFailureKind.UserBlocked => (403, UserBlocked, "WeChat blocked this user's sign-in.", "微信判定此账号存在风险，暂时无法登录。", "WeChat has blocked this account's sign-in for now."),
        WeChatFailureKind.UnionIdMissing => (403, UnionIdMissing, "WeChat gave no unionid for this user.", "无法识别你的微信账号，暂时无法登录。", "Your WeChat account could not be recognised, so you cannot sign in."),
        WeChatFailureKind.Rejected => (403, SignInRejected, "The sign-in was refused.", "此账号无法登录。", "This account cannot sign in."),
        WeChatFailureKind.InvalidOpenData => (400, InvalidOpenData, "The data could not be verified.", "数据校验失败，请重新登录后再试。", "The data could not be verified. Please sign in again and retry."),
        WeChatFailureKind.SessionKeyMissing => (401, SessionKeyMissing, "The WeChat session has expired.", "微信会话已过期，请重新登录。", "Your WeChat session has expired. Please sign in again."),
        WeChatFailureKind.WeChatBusy or WeChatFailureKind.WeChatUnavailable or WeChatFailureKind.WeChatTimeout
            => (503, WeChatUnavailable, "WeChat is unavailable.", "微信暂时无法响应，请稍后再试。", "WeChat is not answering right now. Please try again in a moment."),
        WeChatFailureKind.StateStoreUnavailable => (503, StoreUnavailable, "The sign-in service is unavailable.", "登录服务暂时不可用，请稍后再试。", "Sign-in is unavailable right now. Please try again in a moment."),
        WeChatFailureKind.InvalidResponse => (502, InvalidResponse, "WeChat's answer could not be used.", "微信返回了无法识别的结果，请稍后再试。", "WeChat answered with something unexpected. Please try again later."),
        _ => (500, ServerError, "The server cannot sign users in with WeChat.", "服务器配置有误，暂时无法登录。", "The server cannot sign you in with WeChat right now."),
    };

    private sealed class ProblemResult(ProblemDetails problem, string? retryAfter, bool challenge) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is not null)
            {
                httpContext.Response.Headers.RetryAfter = retryAfter;
            }

            if (challenge)
            {
                httpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            }

            return TypedResults.Problem(problem).ExecuteAsync(httpContext);
        }
    }
}
