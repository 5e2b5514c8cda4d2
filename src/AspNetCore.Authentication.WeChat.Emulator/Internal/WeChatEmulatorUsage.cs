using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Whether the emulator has anything to serve: a WeChat scheme of this app pointed at it, or (standalone) redirect
/// domains to send codes to. Says so at start-up when it has not, instead of silently staying off.
/// </summary>
internal sealed partial class WeChatEmulatorUsage(
    WeChatEmulator emulator,
    IServiceProvider services,
    ILogger<WeChatEmulator> logger) : IHostedService
{
    private int _schemesChecked;

    /// <summary>Whether the emulator's endpoints answer.</summary>
    public async Task<bool> IsServingAsync()
    {
        if (emulator.IsInUse || emulator.Options.RedirectDomains.Count > 0)
        {
            return true;
        }

        // Building a scheme's options is what points it at the emulator (when it has no AppId).
        // A standalone emulator app has no authentication at all.
        if (Interlocked.Exchange(ref _schemesChecked, 1) == 0 && services.GetService<IAuthenticationSchemeProvider>() is { } schemes)
        {
            var officialAccounts = services.GetRequiredService<IOptionsMonitor<WeChatAuthenticationOptions>>();
            var qrConnects = services.GetRequiredService<IOptionsMonitor<WeChatQrConnectOptions>>();
            foreach (var scheme in await schemes.GetAllSchemesAsync().ConfigureAwait(false))
            {
                if (typeof(WeChatAuthenticationHandler).IsAssignableFrom(scheme.HandlerType))
                {
                    _ = officialAccounts.Get(scheme.Name);
                }
                else if (typeof(WeChatQrConnectHandler).IsAssignableFrom(scheme.HandlerType))
                {
                    _ = qrConnects.Get(scheme.Name);
                }
            }
        }

        return emulator.IsInUse;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await IsServingAsync().ConfigureAwait(false))
        {
            LogUnused(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(2, LogLevel.Warning, "AddWeChatEmulator was called, but no WeChat scheme signs in against the emulator, because every one has an AppId (for example Authentication:WeChat:AppId), and no WeChatEmulator:RedirectDomains are set: its endpoints answer 404. To sign in with test users, leave the AppId empty (as appsettings.Development.json does).", EventName = "WeChatEmulatorUnused")]
    private static partial void LogUnused(ILogger logger);
}
