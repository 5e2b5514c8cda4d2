using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/oauth2/refresh_token</c> (no secret): renews a user access token with its refresh token, which lives 30
/// days; a token still valid comes back as the same string with a new expiry. The official account's and the website's
/// tokens, each with its own AppID (another app's refresh token is unknown there). 40030 for an unknown refresh token,
/// 42002 for an expired one.
/// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken
/// </summary>
internal static class SnsRefreshTokenApi
{
    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (string.IsNullOrEmpty(request["appid"]))
        {
            return WeChatEmulatorJson.Error(41002, "appid missing");
        }

        if (emulator.FindApp(request["appid"]) is not { } app || app == WeChatEmulatorApp.MiniProgram)
        {
            return WeChatEmulatorJson.Error(40013, "invalid appid");
        }

        if (request["grant_type"] != "refresh_token")
        {
            return WeChatEmulatorJson.Error(40002, "invalid grant_type");
        }

        if (request["refresh_token"] is not { Length: > 0 } refreshToken)
        {
            return WeChatEmulatorJson.Error(40030, "invalid refresh_token");
        }

        if (emulator.RefreshUserToken(refreshToken, app, out var errorCode) is not { } renewed)
        {
            return WeChatEmulatorJson.Error(errorCode, errorCode == 42002 ? "refresh_token timeout" : "invalid refresh_token");
        }

        return WeChatEmulatorJson.Answer(new Dictionary<string, object>
        {
            ["access_token"] = renewed.AccessToken,
            ["expires_in"] = 7200,
            ["refresh_token"] = refreshToken,
            ["openid"] = renewed.Grant.OpenId,
            ["scope"] = renewed.Grant.Scope,
        });
    }
}
