using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.UserTokens;

/// <summary>
/// Calls <c>sns/oauth2/refresh_token</c> and <c>sns/auth</c> with a sign-in scheme's options and backchannel (so the
/// emulator answers in development, and an app's proxy settings apply).
/// </summary>
internal sealed class WeChatUserTokenService(
    IOptionsMonitor<WeChatAuthenticationOptions> officialAccounts,
    IOptionsMonitor<WeChatQrConnectOptions> qrConnects,
    IOptions<AuthenticationOptions> authentication,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IWeChatUserTokenService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("AspNetCore.Authentication.WeChat.UserTokens");

    public async Task<WeChatUserToken> RefreshAsync(string refreshToken, string openId, string authenticationScheme = WeChatAuthenticationDefaults.AuthenticationScheme, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(refreshToken);
        ArgumentException.ThrowIfNullOrEmpty(openId);
        var options = Options(authenticationScheme);
        var endpoint = options.RefreshTokenApi;
        var requestedAt = time.GetUtcNow();

        // No secret: WeChat renews with the AppID and the refresh token alone.
        using var answer = await Api(options).GetAsync(
            endpoint,
            [("appid", options.AppId), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
            check: (token, api) =>
            {
                var identity = WeChatTokenIdentity.Read(token, api);
                if (!string.Equals(identity.OpenId, openId, StringComparison.Ordinal))
                {
                    throw api.Failure(WeChatFailureKind.InvalidResponse, "answered for another openid than the refresh token's user; the tokens were not renewed");
                }
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);

        var root = answer.RootElement;
        var expiresIn = root.TryGetProperty("expires_in", out var seconds) && seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out var value) && value is > 0 and <= 86_400
            ? value
            : throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without an expires_in of 1 to 86,400 seconds (WeChat's is 7,200)");
        var identity = WeChatTokenIdentity.Read(root, endpoint);
        _logger.UserTokenRefreshed(authenticationScheme);
        return new WeChatUserToken
        {
            AccessToken = root.GetProperty("access_token").GetString()!,
            // WeChat sends the refresh token back; should it not, the one used stays valid until its 30 days are up.
            RefreshToken = root.TryGetProperty("refresh_token", out var renewed) && renewed.ValueKind == JsonValueKind.String && renewed.GetString() is { Length: > 0 } next ? next : refreshToken,
            ExpiresAt = requestedAt + TimeSpan.FromSeconds(expiresIn),
            OpenId = identity.OpenId,
            Scope = identity.Scope,
        };
    }

    public async Task<bool> IsValidAsync(string accessToken, string openId, string authenticationScheme = WeChatAuthenticationDefaults.AuthenticationScheme, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        ArgumentException.ThrowIfNullOrEmpty(openId);
        var options = Options(authenticationScheme);
        try
        {
            using var answer = await Api(options).GetAsync(
                options.TokenValidationApi,
                [("access_token", accessToken), ("openid", openId)],
                isExpected: IsNo,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (WeChatApiException ex) when (ex.ErrorCode is { } code && IsNo(code))
        {
            return false;
        }
    }

    // WeChat's "no": the token is not (or no longer) this user's; documented 40003, observed 40014, presumably 42001.
    // https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsauth
    private static bool IsNo(int errorCode)
        => errorCode is WeChatErrorCodes.InvalidCredential or WeChatErrorCodes.InvalidAccessToken or WeChatErrorCodes.AccessTokenExpired or WeChatErrorCodes.InvalidOpenId;

    // The same APIs for both browser flows, each with its own app's AppID.
    private WeChatOAuthOptions Options(string authenticationScheme)
    {
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        WeChatOAuthOptions? options = authentication.Value.SchemeMap.TryGetValue(authenticationScheme, out var scheme) ? scheme.HandlerType switch
        {
            { } handler when typeof(WeChatAuthenticationHandler).IsAssignableFrom(handler) => officialAccounts.Get(authenticationScheme),
            { } handler when typeof(WeChatQrConnectHandler).IsAssignableFrom(handler) => qrConnects.Get(authenticationScheme),
            _ => null,
        } : null;
        return options is null || options.Backchannel is null || string.IsNullOrEmpty(options.AppId)
            ? throw new InvalidOperationException($"'{authenticationScheme}' is not a WeChat sign-in scheme: register it with AddWeChat(\"{authenticationScheme}\", …) or AddWeChatQrConnect(\"{authenticationScheme}\", …).")
            : options;
    }

    private WeChatApiClient Api(WeChatOAuthOptions options) => new(options.Backchannel, options.BackchannelTimeout, _logger);
}
