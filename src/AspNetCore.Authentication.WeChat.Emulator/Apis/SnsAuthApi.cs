using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/auth</c>: whether a user access token is still valid for an openid: <c>{"errcode":0,"errmsg":"ok"}</c>,
/// 40014 for an unknown token, 42001 for an expired one, 40003 for an openid other than the user's in the token's app.
/// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsauth
/// </summary>
internal static class SnsAuthApi
{
    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (request["access_token"] is not { Length: > 0 } accessToken)
        {
            return WeChatEmulatorJson.Error(41001, "access_token missing");
        }

        if (emulator.FindUserToken(accessToken, out var errorCode) is not { } grant)
        {
            return WeChatEmulatorJson.Error(errorCode, errorCode == 42001 ? "access_token expired" : "invalid access_token");
        }

        return request["openid"] == grant.OpenId
            ? WeChatEmulatorJson.Answer(new Dictionary<string, object> { ["errcode"] = 0, ["errmsg"] = "ok" })
            : WeChatEmulatorJson.Error(40003, "invalid openid");
    }
}
