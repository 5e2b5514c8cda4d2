using System.Security.Cryptography;
using System.Text;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /wxa/checksession</c> (checkSessionKey): whether the session_key an app holds for a user is still their
/// current one, proved by <c>signature</c> = hex HMAC-SHA256 of the empty string keyed with the session_key
/// (<c>sig_method=hmac_sha256</c>), with the mini-program's global token. <c>{"errcode":0,"errmsg":"ok"}</c>, 87009 for
/// a key that was replaced, 40003 for an unknown openid.
/// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey
/// </summary>
internal static class CheckSessionApi
{
    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Handle(emulator, request));

    private static WeChatEmulatorResponse Handle(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (WeChatEmulatorMiniProgramToken.Check(emulator, request) is { } refusal)
        {
            return refusal;
        }

        if (request["openid"] is not { Length: > 0 } openId || !emulator.TryGetMiniProgramUser(openId, out var user))
        {
            return WeChatEmulatorJson.Error(40003, "invalid openid");
        }

        var valid = request["sig_method"] == "hmac_sha256"
            && emulator.CurrentSessionKey(user) is { } sessionKey
            && request["signature"] is { } signature
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature.ToLowerInvariant()), Encoding.ASCII.GetBytes(WeChatEmulatorCrypto.HmacSha256Hex(sessionKey)));
        return valid
            ? WeChatEmulatorJson.Answer(new Dictionary<string, object> { ["errcode"] = 0, ["errmsg"] = "ok" })
            : WeChatEmulatorJson.Error(87009, "invalid signature");
    }
}
