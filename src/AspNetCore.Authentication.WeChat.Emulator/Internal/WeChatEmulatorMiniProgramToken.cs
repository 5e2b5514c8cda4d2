namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The global token check of the mini-program's server APIs: the mini-program's own token, valid. WeChat's tokens are
/// per app, so the official account's token is invalid here (40001), as an unknown or replaced one is.
/// </summary>
internal static class WeChatEmulatorMiniProgramToken
{
    /// <summary>Null when the request carries a valid mini-program token, otherwise WeChat's answer.</summary>
    public static WeChatEmulatorResponse? Check(WeChatEmulator emulator, WeChatEmulatorRequest request)
    {
        if (request["access_token"] is not { Length: > 0 } accessToken)
        {
            return WeChatEmulatorJson.Error(41001, "access_token missing");
        }

        return emulator.MiniProgramGlobalTokens.Check(accessToken) switch
        {
            0 => null,
            42001 => WeChatEmulatorJson.Error(42001, "access_token expired"),
            _ => WeChatEmulatorJson.Error(40001, "invalid credential, access_token is invalid or not latest"),
        };
    }
}
