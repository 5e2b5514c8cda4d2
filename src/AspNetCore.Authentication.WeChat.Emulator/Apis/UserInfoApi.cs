using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /cgi-bin/user/info</c> with the global access token: for a follower, <c>subscribe: 1</c> and the unionid
/// (nickname and avatar blank since 2021-12-27); for anyone else, <c>subscribe: 0</c> and nothing more.
/// https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo
/// </summary>
internal static class UserInfoApi
{
    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (request["access_token"] is not { Length: > 0 } accessToken)
        {
            return WeChatEmulatorJson.Error(41001, "access_token missing");
        }

        switch (emulator.GlobalTokens.Check(accessToken))
        {
            case 42001:
                return WeChatEmulatorJson.Error(42001, "access_token expired");
            case 40001:
                return WeChatEmulatorJson.Error(40001, "invalid credential, access_token is invalid or not latest");
        }

        var openId = request["openid"];
        if ((emulator.Options.Users.FirstOrDefault(u => u.OpenId == openId) ?? emulator.FindDistinctUser(openId)) is not { } user)
        {
            return WeChatEmulatorJson.Error(40003, "invalid openid");
        }

        if (!user.Subscribed)
        {
            return WeChatEmulatorJson.Answer(new Dictionary<string, object> { ["subscribe"] = 0, ["openid"] = user.OpenId, ["tagid_list"] = Array.Empty<int>() });
        }

        var body = new Dictionary<string, object>
        {
            ["subscribe"] = 1,
            ["openid"] = user.OpenId,
            ["nickname"] = "",
            ["sex"] = 0,
            ["language"] = "zh_CN",
            ["city"] = "",
            ["province"] = "",
            ["country"] = "",
            ["headimgurl"] = "",
            ["subscribe_time"] = 1641364601,
            ["remark"] = "",
            ["groupid"] = 0,
            ["tagid_list"] = Array.Empty<int>(),
            ["subscribe_scene"] = "ADD_SCENE_SEARCH",
            ["qr_scene"] = 0,
            ["qr_scene_str"] = "",
        };
        if (user.UnionId is not null)
        {
            body["unionid"] = user.UnionId;
        }

        return WeChatEmulatorJson.Answer(body);
    }
}
