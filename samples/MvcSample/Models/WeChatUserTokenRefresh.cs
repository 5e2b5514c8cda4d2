using System.Globalization;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace MvcSample.Models;

/// <summary>
/// Keeps a signed-in user's own WeChat tokens (saved in the cookie with Authentication:WeChat:SaveTokens=true) alive:
/// on each request, once the access token has less than five minutes left, renews it with the refresh token; when
/// WeChat says only a new authorization will do (the refresh token's 30 days are up, or the user revoked it), signs
/// the user out, so the next page signs them in again.
/// </summary>
public static partial class WeChatUserTokenRefresh
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    /// <summary>For <see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var properties = context.Properties;
        if (properties.GetTokenValue("refresh_token") is not { Length: > 0 } refreshToken
            || !DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
            || context.Principal?.FindFirst(WeChatClaimTypes.OpenId)?.Value is not { Length: > 0 } openId)
        {
            return; // no saved WeChat tokens: nothing to keep alive
        }

        if (expiresAt - context.Options.TimeProvider!.GetUtcNow() > Margin)
        {
            return;
        }

        var services = context.HttpContext.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WeChatUserTokenRefresh));
        try
        {
            var renewed = await services.GetRequiredService<IWeChatUserTokenService>()
                .RefreshAsync(refreshToken, openId, cancellationToken: context.HttpContext.RequestAborted);
            properties.UpdateTokenValue("access_token", renewed.AccessToken);
            properties.UpdateTokenValue("refresh_token", renewed.RefreshToken);
            properties.UpdateTokenValue("expires_at", renewed.ExpiresAt.ToString("o", CultureInfo.InvariantCulture));
            context.ShouldRenew = true; // writes the cookie again, with the renewed tokens
        }
        catch (WeChatApiException ex) when (ex.Kind == WeChatFailureKind.ReauthorizationRequired)
        {
            LogReauthorizationRequired(logger, ex.ErrorCode);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
        catch (WeChatApiException ex)
        {
            // WeChat is busy or out of reach: the session goes on, and the next request tries again.
            LogRefreshFailed(logger, ex.Kind, ex.ErrorCode);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "The user's WeChat refresh token is no longer accepted (errcode {ErrorCode}); the user is signed out, to sign in again.", EventName = "WeChatReauthorizationRequired")]
    private static partial void LogReauthorizationRequired(ILogger logger, int? errorCode);

    [LoggerMessage(2, LogLevel.Warning, "The user's WeChat tokens could not be renewed ({Kind}, errcode {ErrorCode}); the session goes on and the next request tries again.", EventName = "WeChatUserTokenRefreshFailed")]
    private static partial void LogRefreshFailed(ILogger logger, WeChatFailureKind kind, int? errorCode);
}
