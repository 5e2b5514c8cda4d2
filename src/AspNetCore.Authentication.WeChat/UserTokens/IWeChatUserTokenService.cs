namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A signed-in user's own WeChat tokens (网页授权 access_token and refresh_token, as <c>SaveTokens</c> keeps them):
/// renews them and checks them, with the AppID, endpoints and backchannel of a WeChat sign-in scheme.
/// </summary>
/// <remarks>
/// A user access token lives 2 hours; its refresh token 30 days from the authorization, and cannot be renewed: after
/// that, only a new sign-in gives tokens. https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken
/// </remarks>
public interface IWeChatUserTokenService
{
    /// <summary>
    /// Renews a user access token with its refresh token (<c>sns/oauth2/refresh_token</c>). WeChat extends a token that
    /// is still valid (the same string, a new expiry) and issues a new one for an expired token.
    /// </summary>
    /// <param name="refreshToken">The refresh token from the sign-in (<c>refresh_token</c>).</param>
    /// <param name="openId">
    /// The openid of the user the refresh token belongs to: an answer for anyone else fails, so that a mixed-up token
    /// never turns one user's session into another's.
    /// </param>
    /// <param name="authenticationScheme">The WeChat sign-in scheme whose app the token belongs to.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The renewed tokens.</returns>
    /// <exception cref="WeChatApiException">
    /// WeChat refused or could not be reached; <see cref="WeChatException.Kind"/> is
    /// <see cref="WeChatFailureKind.ReauthorizationRequired"/> when the user must sign in again (40030, 42002, 42007),
    /// and <see cref="WeChatFailureKind.InvalidResponse"/> when the answer is for another openid.
    /// </exception>
    Task<WeChatUserToken> RefreshAsync(string refreshToken, string openId, string authenticationScheme = WeChatAuthenticationDefaults.AuthenticationScheme, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks WeChat whether a user access token is still valid for the user (<c>sns/auth</c>).
    /// </summary>
    /// <param name="accessToken">The user access token.</param>
    /// <param name="openId">The user's openid in the scheme's app.</param>
    /// <param name="authenticationScheme">The WeChat sign-in scheme whose app the token belongs to.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <see langword="true"/> when WeChat accepts the token for this openid; <see langword="false"/> when it says the
    /// token is invalid, expired, or another user's.
    /// </returns>
    /// <exception cref="WeChatApiException">WeChat could not tell (busy, unreachable, a configuration error).</exception>
    Task<bool> IsValidAsync(string accessToken, string openId, string authenticationScheme = WeChatAuthenticationDefaults.AuthenticationScheme, CancellationToken cancellationToken = default);
}
