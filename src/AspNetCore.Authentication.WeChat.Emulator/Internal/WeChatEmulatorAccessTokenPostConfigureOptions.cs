using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Points every access token provider that has no AppId at the emulator: its credentials, and a backchannel that
/// answers WeChat's token APIs in process (token endpoints the app set elsewhere, such as a fake WeChat on a port, are
/// still called there).
/// </summary>
internal sealed partial class WeChatEmulatorAccessTokenPostConfigureOptions(
    WeChatEmulator emulator,
    IHostEnvironment environment,
    ILogger<WeChatEmulator> logger) : IPostConfigureOptions<WeChatAccessTokenOptions>
{
    public void PostConfigure(string? name, WeChatAccessTokenOptions options)
    {
        if (!string.IsNullOrEmpty(options.AppId))
        {
            return;
        }

        WeChatEmulatorGuard.EnsureAllowed(environment, emulator.Options);
        emulator.MarkInUse();
        options.AppId = emulator.Options.AppId;
        options.AppSecret = emulator.AppSecret;
        options.Backchannel ??= emulator.CreateBackchannel(options.BackchannelTimeout, withNetwork: true);

        LogActive(logger, name ?? "");
    }

    [LoggerMessage(3, LogLevel.Warning, "The WeChat emulator hands out the global access tokens of '{Name}', which has no AppId: they work only with the emulator's APIs. Configure its AppId and AppSecret to use real WeChat.", EventName = "WeChatEmulatorAccessTokenActive")]
    private static partial void LogActive(ILogger logger, string name);
}
