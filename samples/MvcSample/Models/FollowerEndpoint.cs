using System.Security.Claims;
using AspNetCore.Authentication.WeChat;

namespace MvcSample.Models;

/// <summary>
/// <c>GET /api/follower</c>: whether the signed-in user follows the official account, as
/// <c>{"openid":"…","subscribe":1,"unionid":"…"}</c> (unionid only when WeChat sent one); when WeChat cannot tell, a
/// problem document with the failure's kind and errcode: 503 when no access token can be had, 502 otherwise.
/// </summary>
public static class FollowerEndpoint
{
    public static async Task<IResult> GetAsync(ClaimsPrincipal user, WeChatFollowerApi followers, CancellationToken cancellationToken)
    {
        if (user.FindFirstValue(WeChatClaimTypes.OpenId) is not { Length: > 0 } openId)
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not signed in with WeChat");
        }

        var status = await followers.GetAsync(openId, cancellationToken);
        if (status.Failure is { } failure)
        {
            var noToken = failure.Kind is WeChatFailureKind.ConfigurationError or WeChatFailureKind.IpAddressNotAllowed or WeChatFailureKind.RateLimited
                or WeChatFailureKind.WeChatBusy or WeChatFailureKind.WeChatTimeout or WeChatFailureKind.WeChatUnavailable or WeChatFailureKind.AccessTokenRejected;
            var extensions = new Dictionary<string, object?> { ["kind"] = failure.Kind.ToString() };
            if (failure.ErrorCode is { } errorCode)
            {
                extensions["errcode"] = errorCode;
            }

            // Never the failure's message: WeChat's own text may name the server's IP (40164).
            return Results.Problem(
                statusCode: noToken ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway,
                title: "关注状态未知 · Follower status unknown",
                detail: "暂时无法从微信获取关注状态。· WeChat could not tell whether you follow the account right now.",
                extensions: extensions);
        }

        return status.UnionId is { } unionId
            ? Results.Json(new { openid = status.OpenId, subscribe = status.Subscribe, unionid = unionId })
            : Results.Json(new { openid = status.OpenId, subscribe = status.Subscribe });
    }
}
