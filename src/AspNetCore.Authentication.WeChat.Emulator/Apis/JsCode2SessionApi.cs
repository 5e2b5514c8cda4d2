using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /sns/jscode2session</c> (code2Session): exchanges a mini-program's <c>wx.login</c> code, once, for the user's
/// mini-program openid, their current session_key and their unionid. Query parameters on GET only: a POST answers
/// 41002, as WeChat does. Extra parameters (some SDKs append the global <c>access_token</c>) are ignored. 40226 for a
/// high-risk user, 45011 past 100 calls per user per minute.
/// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_code2session
/// </summary>
internal static class JsCode2SessionApi
{
    /// <summary>WeChat reads appid from the query only, so a POST (whatever its body) has none.</summary>
    public static Task<WeChatEmulatorResponse> PostAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(WeChatEmulatorJson.Error(41002, "appid missing"));

    public static async Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (emulator.CheckCredentials(request["appid"], request["secret"], [WeChatEmulatorApp.MiniProgram], out _) is { } refusal)
        {
            return refusal;
        }

        if (request["grant_type"] != "authorization_code")
        {
            return WeChatEmulatorJson.Error(40002, "invalid grant_type");
        }

        if (request["js_code"] is not { Length: > 0 } code)
        {
            return WeChatEmulatorJson.Error(41008, "missing code");
        }

        // The minute quota counts the user's calls; one past it leaves the code unspent, to try again next minute.
        if (emulator.PeekMiniProgramCode(code) is { } caller && !emulator.CountSessionCall(caller))
        {
            return WeChatEmulatorJson.Error(45011, "api minute-quota reach limit mustslower retry next minute");
        }

        if (emulator.RedeemMiniProgramCode(code, out var errorCode) is not { } user)
        {
            return WeChatEmulatorJson.Error(errorCode, errorCode == 40163 ? "code been used" : "invalid code");
        }

        if (user.TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(user.TokenDelay, emulator.Time, cancellationToken).ConfigureAwait(false);
        }

        if (user.IsHighRisk)
        {
            // "高风险等级用户，小程序登录拦截".
            return WeChatEmulatorJson.Error(40226, "code blocked");
        }

        if (user.TokenErrorCode is { } userError)
        {
            return WeChatEmulatorJson.Error(userError, userError == -1 ? "system error" : "emulated error");
        }

        if (emulator.CurrentSessionKey(user) is not { } sessionKey)
        {
            // Only when the session was forgotten between the code and its exchange (a day apart): the code is dead too.
            return WeChatEmulatorJson.Error(40029, "invalid code");
        }

        var body = new Dictionary<string, object> { ["openid"] = user.MiniProgramOpenId, ["session_key"] = sessionKey };
        // Returned when the mini-program is bound to an Open Platform account, as the emulator's is.
        if (user.UnionId is not null)
        {
            body["unionid"] = user.UnionId;
        }

        return WeChatEmulatorJson.Answer(body);
    }
}
