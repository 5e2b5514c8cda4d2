using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Points every WeChat scheme that has no AppId at the emulator.
/// </summary>
internal sealed partial class WeChatEmulatorPostConfigureOptions(
    WeChatEmulator emulator,
    IHostEnvironment environment,
    ILogger<WeChatEmulator> logger) : IPostConfigureOptions<WeChatAuthenticationOptions>
{
    public void PostConfigure(string? name, WeChatAuthenticationOptions options)
    {
        if (!string.IsNullOrEmpty(options.AppId))
        {
            return;
        }

        WeChatEmulatorGuard.EnsureAllowed(environment, emulator.Options);
        // FollowerInformationEndpoint stays WeChat's: the global token is only sent there (or to its token endpoints'
        // host), and the emulator answers api.weixin.qq.com on the app's clients while it is in use.
        PointAtEmulator(emulator, options, emulator.Options.AppId, emulator.AppSecret, WeChatEmulatorRoutes.AuthorizePage);
        LogActive(logger, name ?? "");
    }

    /// <summary>
    /// Points a browser sign-in scheme (official account or website) at one of the emulator's apps: its AppID and
    /// secret, its authorization page, the shared <c>sns/*</c> APIs and the in-process backchannel.
    /// </summary>
    internal static void PointAtEmulator(WeChatEmulator emulator, WeChatOAuthOptions options, string appId, string appSecret, WeChatEmulatorRoute authorizationPage)
    {
        emulator.MarkInUse();
        options.AppId = appId;
        options.AppSecret = appSecret;
        options.AuthorizationEndpoint = emulator.PlaceholderUrl(authorizationPage);
        options.TokenEndpoint = emulator.PlaceholderUrl(WeChatEmulatorRoutes.SnsAccessToken);
        options.UserInformationEndpoint = emulator.PlaceholderUrl(WeChatEmulatorRoutes.SnsUserInfo);
        options.RefreshTokenEndpoint = emulator.PlaceholderUrl(WeChatEmulatorRoutes.SnsRefreshToken);
        options.TokenValidationEndpoint = emulator.PlaceholderUrl(WeChatEmulatorRoutes.SnsAuth);
        options.Backchannel = emulator.CreateBackchannel(options.BackchannelTimeout, withNetwork: false);
        RedirectToAppOrigin(options);
    }

    /// <summary>
    /// Rewrites the emulator's placeholder origin in the authorization link to the app's own, where the browser reaches
    /// the emulator: it is only known per request.
    /// </summary>
    private static void RedirectToAppOrigin(WeChatOAuthOptions options)
    {
        var redirect = options.Events.OnRedirectToAuthorizationEndpoint;
        options.Events.OnRedirectToAuthorizationEndpoint = context =>
        {
            if (context.RedirectUri.StartsWith(WeChatEmulatorDefaults.PlaceholderOrigin, StringComparison.Ordinal))
            {
                var request = context.Request;
                context.RedirectUri = string.Concat(request.Scheme, "://", request.Host.ToUriComponent(), request.PathBase.ToUriComponent(),
                    context.RedirectUri[WeChatEmulatorDefaults.PlaceholderOrigin.Length..]);
            }

            return redirect(context);
        };
    }

    [LoggerMessage(1, LogLevel.Warning, "The WeChat emulator signs users in for the authentication scheme '{Scheme}', which has no AppId: these are test users, not WeChat. Configure Authentication:WeChat:AppId to use real WeChat.", EventName = "WeChatEmulatorActive")]
    private static partial void LogActive(ILogger logger, string scheme);
}
