using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/oauth2/access_token</c>: exchanges a code for a user access token, once, with the AppID and AppSecret of
/// the app that issued it: the official account's (web authorization) or the website's (QR login), each answering the
/// user's openid in that app.
/// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken
/// https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Authorized_Interface_Calling_UnionID.html
/// </summary>
internal static class SnsAccessTokenApi
{
    public static async Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        emulator.CountExchange();
        var (appId, secret, code) = (request["appid"], request["secret"], request["code"]);
        // Web authorization and QR login: the mini-program's AppID is invalid here (it has jscode2session).
        if (emulator.CheckCredentials(appId, secret, [WeChatEmulatorApp.OfficialAccount, WeChatEmulatorApp.Website], out var app) is { } refusal)
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

        if (emulator.RedeemCode(code, app, out var errorCode) is not { } grant)
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
            ["openid"] = grant.OpenId,
            ["scope"] = grant.Scope,
        };

        // Since 2017-12-31 the official account returns unionid only with snsapi_userinfo; a website app's answer
        // always has it (for an app bound to an Open Platform account, as the emulator's are).
        if (grant.User.UnionId is not null && (grant.Scope == "snsapi_userinfo" || grant.App == WeChatEmulatorApp.Website))
        {
            body["unionid"] = grant.User.UnionId;
        }

        return WeChatEmulatorJson.Answer(body);
    }
}
