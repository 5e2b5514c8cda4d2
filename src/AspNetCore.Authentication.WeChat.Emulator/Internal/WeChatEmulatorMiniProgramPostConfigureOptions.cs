using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Points every mini-program that has no AppId at the emulator's mini-program: its credentials, its
/// <c>sns/jscode2session</c>, and a backchannel that answers it in process.
/// </summary>
internal sealed partial class WeChatEmulatorMiniProgramPostConfigureOptions(
    WeChatEmulator emulator,
    IHostEnvironment environment,
    ILogger<WeChatEmulator> logger) : IPostConfigureOptions<WeChatMiniProgramOptions>
{
    public void PostConfigure(string? name, WeChatMiniProgramOptions options)
    {
        if (!string.IsNullOrEmpty(options.AppId))
        {
            return;
        }

        WeChatEmulatorGuard.EnsureAllowed(environment, emulator.Options);
        emulator.MarkInUse();
        options.AppId = emulator.Options.MiniProgramAppId;
        options.AppSecret = emulator.MiniProgramAppSecret;
        options.SessionEndpoint = emulator.PlaceholderUrl(WeChatEmulatorRoutes.JsCode2Session);
        // PhoneNumberEndpoint, CheckSessionEndpoint and StableTokenEndpoint stay WeChat's: they are called with the
        // mini-program's global token (its provider takes this AppId, and the emulator takes the provider over), and the
        // emulator answers api.weixin.qq.com calls with its tokens on the app's clients while it is in use.
        options.Backchannel ??= emulator.CreateBackchannel(options.BackchannelTimeout, withNetwork: false);

        LogActive(logger, name ?? "");
    }

    [LoggerMessage(4, LogLevel.Warning, "The WeChat emulator signs users in for the mini-program '{Name}', which has no AppId: these are test users, not WeChat. Configure Authentication:WeChatMiniProgram:AppId and AppSecret to use real WeChat.", EventName = "WeChatEmulatorMiniProgramActive")]
    private static partial void LogActive(ILogger logger, string name);
}
