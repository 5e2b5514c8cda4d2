using AspNetCore.Authentication.WeChat;

namespace MvcSample.Models;

/// <summary>
/// What the sample tells a user for each kind of failed sign-in: short, in Chinese and English, without the technical
/// message (that one is for the log).
/// </summary>
public static class SignInFailureText
{
    public static (string Chinese, string English) For(WeChatFailureKind? kind) => kind switch
    {
        WeChatFailureKind.StateExpired => ("这次登录已过期或已使用，请重新登录。", "This sign-in has expired or was already used. Please sign in again."),
        WeChatFailureKind.CorrelationCookieMissing => ("浏览器没有带回登录凭据（微信内置浏览器有时会丢失），请重新登录。", "Your browser did not send back its sign-in cookie (WeChat's browser sometimes drops it). Please sign in again."),
        WeChatFailureKind.AccessDenied => ("你拒绝了授权，未能登录。", "You declined to authorize the sign-in."),
        WeChatFailureKind.StateStoreUnavailable => ("登录服务暂时不可用，请稍后再试。", "Sign-in is unavailable right now. Please try again in a moment."),
        WeChatFailureKind.InvalidCode => ("授权已失效，请重新登录。", "The authorization has expired or was already used. Please sign in again."),
        WeChatFailureKind.WeChatBusy => ("微信系统繁忙，请稍后再试。", "WeChat is busy. Please try again in a moment."),
        WeChatFailureKind.RateLimited => ("请求过于频繁，请一分钟后再试。", "Too many attempts. Please try again in a minute."),
        WeChatFailureKind.WeChatTimeout => ("微信响应超时，请稍后再试。", "WeChat took too long to answer. Please try again."),
        WeChatFailureKind.WeChatUnavailable => ("暂时无法连接微信，请稍后再试。", "WeChat cannot be reached right now. Please try again later."),
        WeChatFailureKind.ConfigurationError or WeChatFailureKind.IpAddressNotAllowed or WeChatFailureKind.UnionIdMissing
            => ("网站的微信登录配置有误，我们正在处理。", "This site's WeChat sign-in is misconfigured; we are on it."),
        _ => ("登录未能完成，请重试。", "The sign-in could not be completed. Please try again."),
    };
}
