using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/oauth2/access_token</c>: exchanges a code for a user access token, once.
/// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken
/// </summary>
internal static class SnsAccessTokenApi
{
    public static async Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        emulator.CountExchange();
        var (appId, secret, code) = (request["appid"], request["secret"], request["code"]);
        // Web authorization is the official account's: the mini-program's AppID is invalid here.
        if (emulator.CheckCredentials(appId, secret, out _, only: WeChatEmulatorApp.OfficialAccount) is { } refusal)
        {
            return refusal;
        }

        if (request["grant_type"] != "authorization_code")
        {
            return WeChatEmulatorJson.Error(40002, "invalid grant_type");
        }

        if (string.IsNullOrEmpty(code))
        {
            return WeChatEmulatorJson.Error(41008, "missing code");
        }

        if (emulator.RedeemCode(code, out var errorCode) is not { } grant)
        {
            return WeChatEmulatorJson.Error(errorCode, errorCode == 40163 ? "code been used" : "invalid code");
        }

        if (grant.User.TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(grant.User.TokenDelay, emulator.Time, cancellationToken).ConfigureAwait(false);
        }

        if (grant.User.TokenErrorCode is { } userError)
        {
            return WeChatEmulatorJson.Error(userError, userError == -1 ? "system error" : "emulated error");
        }

        var (accessToken, refreshToken) = emulator.IssueUserToken(grant);
        var body = new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["expires_in"] = 7200,
            ["refresh_token"] = refreshToken,
            ["openid"] = grant.User.OpenId,
            ["scope"] = grant.Scope,
        };

        // Since 2017-12-31 WeChat returns unionid only with snsapi_userinfo.
        if (grant.User.UnionId is not null && grant.Scope == "snsapi_userinfo")
        {
            body["unionid"] = grant.User.UnionId;
        }

        return WeChatEmulatorJson.Answer(body);
    }
}
