namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Default values of WeChat website QR login (网站应用微信登录).
/// https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
/// </summary>
public static class WeChatQrConnectDefaults
{
    /// <summary>The default scheme name: <c>WeChatQrConnect</c>.</summary>
    public const string AuthenticationScheme = "WeChatQrConnect";

    /// <summary>The default display name of the scheme: <c>WeChat QR</c>.</summary>
    public static readonly string DisplayName = "WeChat QR";

    /// <summary>The default callback path: <c>/signin-wechat-qrconnect</c>.</summary>
    public static readonly string CallbackPath = "/signin-wechat-qrconnect";

    /// <summary>
    /// WeChat's QR login page for websites (<c>connect/qrconnect</c>), opened in the user's desktop browser.
    /// </summary>
    public static readonly string AuthorizationEndpoint = "https://open.weixin.qq.com/connect/qrconnect";

    /// <summary>
    /// WeChat's script that draws the QR code inside the site's own page (<c>new WxLogin({...})</c>).
    /// </summary>
    public static readonly string EmbeddedScriptUrl = "https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js";

    /// <summary>The scope of website QR login, the only one a website app may ask for: <c>snsapi_login</c>.</summary>
    public const string LoginScope = "snsapi_login";
}
