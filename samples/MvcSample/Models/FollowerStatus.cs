namespace MvcSample.Models;

/// <summary>Whether a user follows the official account (<c>cgi-bin/user/info</c>), or why that is not known.</summary>
/// <param name="OpenId">The user's openid.</param>
/// <param name="Subscribe">1 when the user follows the account, 0 otherwise; null when unknown.</param>
/// <param name="UnionId">The unionid, which WeChat sends only for followers of an account bound to an Open Platform account.</param>
/// <param name="Failure">Why it is not known: the failure's kind and errcode, never its message.</param>
public sealed record FollowerStatus(string OpenId, int? Subscribe, string? UnionId, FollowerFailure? Failure = null);

/// <summary>A failed follower lookup: what kind of failure, and WeChat's errcode when it sent one.</summary>
public sealed record FollowerFailure(AspNetCore.Authentication.WeChat.WeChatFailureKind Kind, int? ErrorCode);
