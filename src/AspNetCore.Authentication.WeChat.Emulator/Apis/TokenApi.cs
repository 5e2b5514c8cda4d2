using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /cgi-bin/token</c>: a new global access token per call; the previous one stays valid 5 more minutes, then
/// answers 40001. A wrong AppSecret answers 40001 here too. 2,000 calls a day, then 45009. The official account and the
/// mini-program have tokens of their own.
/// https://developers.weixin.qq.com/doc/service/en/api/base/api_getaccesstoken
/// </summary>
internal static class TokenApi
{
    /// <summary>
    /// The apps with global tokens. The emulator's website app signs users in and nothing more, so it has none (its
    /// AppID is invalid here).
    /// </summary>
    internal static ReadOnlySpan<WeChatEmulatorApp> GlobalTokenApps => [WeChatEmulatorApp.OfficialAccount, WeChatEmulatorApp.MiniProgram];

    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (request["grant_type"] != "client_credential")
        {
            return WeChatEmulatorJson.Error(40002, "invalid grant_type");
        }

        if (emulator.CheckCredentials(request["appid"], request["secret"], GlobalTokenApps, out var app, wrongSecretCode: 40001) is { } refusal)
        {
            return refusal;
        }

        if (emulator.GlobalTokenRefusal() is { } switched)
        {
            return switched;
        }

        return emulator.GlobalTokensOf(app).IssueClassic(emulator.Options.GlobalTokenLifetime, emulator.Options.ClassicTokenDailyQuota) is { } token
            ? WeChatEmulatorJson.Answer(new Dictionary<string, object> { ["access_token"] = token.Value, ["expires_in"] = token.ExpiresIn })
            : WeChatEmulatorJson.Error(45009, "reach max api daily quota limit");
    }
}
