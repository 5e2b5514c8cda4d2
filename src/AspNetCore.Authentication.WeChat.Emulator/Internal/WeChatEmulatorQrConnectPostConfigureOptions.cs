using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Points every website QR login scheme that has no AppId at the emulator's website app: its QR page, its
/// <c>wxLogin.js</c> stand-in, and the same <c>sns/*</c> APIs as the official account's.
/// </summary>
internal sealed partial class WeChatEmulatorQrConnectPostConfigureOptions(
    WeChatEmulator emulator,
    IHostEnvironment environment,
    ILogger<WeChatEmulator> logger) : IPostConfigureOptions<WeChatQrConnectOptions>
{
    public void PostConfigure(string? name, WeChatQrConnectOptions options)
    {
        if (!string.IsNullOrEmpty(options.AppId))
        {
            return;
        }

        WeChatEmulatorGuard.EnsureAllowed(environment, emulator.Options);
        WeChatEmulatorPostConfigureOptions.PointAtEmulator(emulator, options, emulator.Options.WebsiteAppId, emulator.WebsiteAppSecret, WeChatEmulatorRoutes.QrConnectPage);
        // On the app's own origin, as the browser reaches the emulator there: a path, which the handler puts under the
        // app's path base.
        options.EmbeddedScriptUrl = emulator.Options.PathPrefix.TrimEnd('/') + WeChatEmulatorRoutes.WxLoginScript.Path;
        LogActive(logger, name ?? "");
    }

    [LoggerMessage(5, LogLevel.Warning, "The WeChat emulator signs users in for the QR login scheme '{Scheme}', which has no AppId: these are test users, not WeChat. Configure Authentication:WeChatQrConnect:AppId to use real WeChat.", EventName = "WeChatEmulatorQrConnectActive")]
    private static partial void LogActive(ILogger logger, string scheme);
}
