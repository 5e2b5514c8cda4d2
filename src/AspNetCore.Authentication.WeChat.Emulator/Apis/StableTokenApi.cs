using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>POST /cgi-bin/stable_token</c> (JSON only; GET answers 43002): in normal mode the same token to every caller while
/// it is valid, with its remaining <c>expires_in</c> (never under 300 s: the next one goes out in the last 300 s); with
/// <c>force_refresh</c>, a new token at once, 30 s apart, 20 a day. Isolated from <c>cgi-bin/token</c>, and the official
/// account and the mini-program have their own.
/// https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
/// </summary>
internal static class StableTokenApi
{
    public static Task<WeChatEmulatorResponse> RequirePostAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(WeChatEmulatorJson.Error(43002, "require POST method"));

    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        string? grantType = null, appId = null, secret = null;
        var force = false;
        if (WeChatEmulatorJson.ReadObject(request.Body, root =>
            {
                grantType = WeChatEmulatorJson.Text(root, "grant_type");
                appId = WeChatEmulatorJson.Text(root, "appid");
                secret = WeChatEmulatorJson.Text(root, "secret");
                force = root.TryGetProperty("force_refresh", out var forceRefresh) && forceRefresh.ValueKind == JsonValueKind.True;
            }) is { } malformed)
        {
            return malformed;
        }

        if (grantType != "client_credential")
        {
            return WeChatEmulatorJson.Error(40002, "invalid grant_type");
        }

        if (emulator.CheckCredentials(appId, secret, TokenApi.GlobalTokenApps, out var app) is { } refusal)
        {
            return refusal;
        }

        if (emulator.GlobalTokenRefusal() is { } switched)
        {
            return switched;
        }

        return emulator.GlobalTokensOf(app).IssueStable(emulator.Options.GlobalTokenLifetime, force) is { } token
            ? WeChatEmulatorJson.Answer(new Dictionary<string, object> { ["access_token"] = token.Value, ["expires_in"] = token.ExpiresIn })
            : WeChatEmulatorJson.Error(45009, "reach max api daily quota limit");
    }
}
