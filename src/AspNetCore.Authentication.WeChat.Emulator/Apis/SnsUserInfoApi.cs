using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/userinfo</c>: the profile of a user access token's user, with their openid in the token's app (the
/// official account's or the website's) and the one unionid; 48001 for a snsapi_base token. Since 2021-10-20 WeChat
/// blanks gender and region. https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsuserinfo
/// </summary>
internal static class SnsUserInfoApi
{
    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (request["access_token"] is not { Length: > 0 } accessToken)
        {
            return Task.FromResult(WeChatEmulatorJson.Error(41001, "access_token missing"));
        }

        if (emulator.FindUserToken(accessToken, out var errorCode) is not { } grant)
        {
            return Task.FromResult(WeChatEmulatorJson.Error(errorCode, errorCode == 42001 ? "access_token expired" : "invalid access_token"));
        }

        if (request["openid"] != grant.OpenId)
        {
            return Task.FromResult(WeChatEmulatorJson.Error(40003, "invalid openid"));
        }

        // snsapi_login (the website's QR login) grants the profile as snsapi_userinfo does.
        if (grant.Scope is not ("snsapi_userinfo" or "snsapi_login"))
        {
            return Task.FromResult(WeChatEmulatorJson.Error(48001, "api unauthorized"));
        }

        var user = grant.User;
        var body = new Dictionary<string, object>
        {
            ["openid"] = grant.OpenId,
            ["nickname"] = user.Nickname,
            ["sex"] = 0,
            ["province"] = "",
            ["city"] = "",
            ["country"] = "",
            ["headimgurl"] = WeChatEmulator.AvatarUrl(user, grant.EmulatorBaseUrl),
            ["privilege"] = Array.Empty<string>(),
        };
        if (user.UnionId is not null)
        {
            body["unionid"] = user.UnionId;
        }

        return Task.FromResult(WeChatEmulatorJson.Answer(body));
    }
}
