using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Points every access token provider that has no AppId at the emulator (as the official account's): its credentials,
/// and a backchannel that answers WeChat's token APIs in process (token endpoints the app set elsewhere, such as a fake
/// WeChat on a port, are still called there). A provider given one of the emulator's own AppIDs without a backchannel
/// (as a mini-program's, whose AppID comes from its options once the emulator set them) is taken over likewise, with
/// that app's secret; not the website app's, which has no global token.
/// </summary>
internal sealed partial class WeChatEmulatorAccessTokenPostConfigureOptions(
    WeChatEmulator emulator,
    IHostEnvironment environment,
    ILogger<WeChatEmulator> logger) : IPostConfigureOptions<WeChatAccessTokenOptions>
{
    public void PostConfigure(string? name, WeChatAccessTokenOptions options)
    {
        WeChatEmulatorApp app;
        if (string.IsNullOrEmpty(options.AppId))
        {
            app = WeChatEmulatorApp.OfficialAccount;
        }
        else if (options.Backchannel is null && emulator.FindApp(options.AppId) is { } own and not WeChatEmulatorApp.Website)
        {
            app = own;
        }
        else
        {
            return;
        }

        WeChatEmulatorGuard.EnsureAllowed(environment, emulator.Options);
        emulator.MarkInUse();
        options.AppId = app == WeChatEmulatorApp.MiniProgram ? emulator.Options.MiniProgramAppId : emulator.Options.AppId;
        options.AppSecret = emulator.AppSecretOf(app);
        options.Backchannel ??= emulator.CreateBackchannel(options.BackchannelTimeout, withNetwork: true);

        LogActive(logger, name ?? "");
    }

    [LoggerMessage(3, LogLevel.Warning, "The WeChat emulator hands out the global access tokens of '{Name}', which has no AppId: they work only with the emulator's APIs. Configure its AppId and AppSecret to use real WeChat.", EventName = "WeChatEmulatorAccessTokenActive")]
    private static partial void LogActive(ILogger logger, string name);
}
