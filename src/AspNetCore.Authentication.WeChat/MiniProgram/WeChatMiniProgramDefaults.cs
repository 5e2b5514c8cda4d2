namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Default values of WeChat mini-program sign-in (小程序登录).
/// </summary>
public static class WeChatMiniProgramDefaults
{
    /// <summary>The default name of a mini-program's options and services: <c>WeChatMiniProgram</c>.</summary>
    public const string Name = "WeChatMiniProgram";

    /// <summary>
    /// The bearer-token scheme (ASP.NET Core's <c>AddBearerToken</c>) that <c>AddWeChatMiniProgram</c> adds and signs
    /// mini-program users in with, unless <see cref="WeChatMiniProgramOptions.SignInScheme"/> names another:
    /// <c>WeChatMiniProgramBearer</c>. Authorize API endpoints with it.
    /// </summary>
    public const string BearerScheme = "WeChatMiniProgramBearer";

    /// <summary>The default path of the sign-in endpoint: <c>/signin-wechat-miniprogram</c>.</summary>
    public const string SignInPath = "/signin-wechat-miniprogram";

    /// <summary>The default <see cref="WeChatMiniProgramOptions.SessionEndpoint"/> (code2Session).</summary>
    public const string SessionEndpoint = "https://api.weixin.qq.com/sns/jscode2session";

    /// <summary>The default <see cref="WeChatMiniProgramOptions.PhoneNumberEndpoint"/> (getPhoneNumber).</summary>
    public const string PhoneNumberEndpoint = "https://api.weixin.qq.com/wxa/business/getuserphonenumber";

    /// <summary>The default <see cref="WeChatMiniProgramOptions.CheckSessionEndpoint"/> (checkSessionKey).</summary>
    public const string CheckSessionEndpoint = "https://api.weixin.qq.com/wxa/checksession";

    /// <summary>The authentication type of the identities the sign-in builds: <c>WeChatMiniProgram</c>.</summary>
    public const string AuthenticationType = "WeChatMiniProgram";

    /// <summary>
    /// How many times a code, once exchanged, may sign its user in again within
    /// <see cref="WeChatMiniProgramOptions.RepeatedCodeWindow"/>: enough for a mini-program's retries, and a bound on what
    /// a copy of a used code is worth. A further repeat fails with 400 (<c>invalid-code</c>).
    /// </summary>
    public static readonly int MaxRepeatsPerCode = 3;
}
