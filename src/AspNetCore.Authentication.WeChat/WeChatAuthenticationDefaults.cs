namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Default values used by the WeChat authentication handler.
/// </summary>
public static class WeChatAuthenticationDefaults
{
    /// <summary>
    /// The default value used for <see cref="Microsoft.AspNetCore.Authentication.AuthenticationScheme.Name"/>: <c>WeChat</c>.
    /// </summary>
    public const string AuthenticationScheme = "WeChat";

    /// <summary>
    /// The default display name of the scheme: <c>WeChat</c>.
    /// </summary>
    public static readonly string DisplayName = "WeChat";

    /// <summary>
    /// The default callback path: <c>/signin-wechat</c>.
    /// </summary>
    public static readonly string CallbackPath = "/signin-wechat";

    /// <summary>
    /// WeChat's official-account web authorization endpoint (网页授权), opened in the user's browser.
    /// </summary>
    public static readonly string AuthorizationEndpoint = "https://open.weixin.qq.com/connect/oauth2/authorize";

    /// <summary>
    /// WeChat's endpoint that exchanges an authorization code for a user access token.
    /// </summary>
    public static readonly string TokenEndpoint = "https://api.weixin.qq.com/sns/oauth2/access_token";

    /// <summary>
    /// WeChat's endpoint that returns the user's profile for a user access token.
    /// </summary>
    public static readonly string UserInformationEndpoint = "https://api.weixin.qq.com/sns/userinfo";

    /// <summary>
    /// WeChat's endpoint that renews a user access token with its refresh token (no AppSecret).
    /// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken
    /// </summary>
    public static readonly string RefreshTokenEndpoint = "https://api.weixin.qq.com/sns/oauth2/refresh_token";

    /// <summary>
    /// WeChat's endpoint that tells whether a user access token is still valid for an openid.
    /// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsauth
    /// </summary>
    public static readonly string TokenValidationEndpoint = "https://api.weixin.qq.com/sns/auth";

    /// <summary>
    /// WeChat's endpoint that returns a follower's information (<c>subscribe</c>, <c>unionid</c>) with the official
    /// account's global access token. https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo
    /// </summary>
    public static readonly string FollowerInformationEndpoint = "https://api.weixin.qq.com/cgi-bin/user/info";

    /// <summary>
    /// The name of the <see cref="System.Net.Http.IHttpClientFactory"/> client used to call WeChat
    /// when neither <see cref="Microsoft.AspNetCore.Authentication.RemoteAuthenticationOptions.Backchannel"/> nor
    /// <see cref="Microsoft.AspNetCore.Authentication.RemoteAuthenticationOptions.BackchannelHttpHandler"/> is set.
    /// </summary>
    public static readonly string HttpClientName = "AspNetCore.Authentication.WeChat";

    /// <summary>
    /// The scope that asks the user for their profile (nickname and avatar): <c>snsapi_userinfo</c>.
    /// </summary>
    public const string UserInfoScope = "snsapi_userinfo";

    /// <summary>
    /// The silent scope that only identifies the user (openid): <c>snsapi_base</c>.
    /// </summary>
    public const string BaseScope = "snsapi_base";
}
