using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Signs users in with WeChat website QR login (网站应用微信登录): the user scans a QR code with WeChat on their phone
/// and confirms there. https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
/// </summary>
/// <remarks>
/// The state, the callback and the ticket are <see cref="WeChatOAuthHandler{TOptions}"/>'s, as for the official
/// account; the token exchange and the profile are the same <c>sns/*</c> APIs with the website app's AppID. This handler
/// adds the QR page's link, and the embedded QR code's configuration (the embedded QR code's configuration).
/// </remarks>
public class WeChatQrConnectHandler : WeChatOAuthHandler<WeChatQrConnectOptions>
{
    /// <summary>
    /// Initializes a new <see cref="WeChatQrConnectHandler"/>.
    /// </summary>
    /// <param name="options">The options monitor.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    public WeChatQrConnectHandler(IOptionsMonitor<WeChatQrConnectOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    private protected override string BuildAuthorizationUrl(string redirectUri, string scope, string state)
    {
        // The same strict pattern as the official account's page, then the optional lang and #wechat_redirect
        // (https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html).
        var url = StartAuthorizationUrl(redirectUri, scope, state);
        if (Options.QrCodeLanguage == "en")
        {
            url.Append("&lang=en");
        }

        return url.Append("#wechat_redirect").ToString();
    }

    /// <summary>
    /// Begins a sign-in for a QR code drawn inside the app's page by <c>wxLogin.js</c>: issues the correlation cookie
    /// and a single-use state kept on the server, exactly as a challenge does, so that the callback is checked as
    /// strictly as after a redirect.
    /// </summary>
    /// <returns>The configuration for <c>new WxLogin({...})</c>, or <see langword="null"/> with the response's status
    /// set (400: the properties are too large to keep; 503: the state store failed).</returns>
    internal async Task<WeChatEmbeddedLogin?> BeginEmbeddedAsync(AuthenticationProperties properties)
    {
        if (await BeginWithoutRedirectAsync(properties).ConfigureAwait(false) is not { } begun)
        {
            return null;
        }

        var script = Options.EmbeddedScriptUrl.StartsWith('/') ? OriginalPathBase + Options.EmbeddedScriptUrl : Options.EmbeddedScriptUrl;
        return new WeChatEmbeddedLogin
        {
            ScriptUrl = script,
            AppId = Options.AppId,
            Scope = FormatScope(),
            // wxLogin.js puts redirect_uri into the frame's URL as given: it must come escaped.
            RedirectUri = Uri.EscapeDataString(begun.RedirectUri),
            State = begun.State,
            Style = Options.EmbeddedStyle,
            Stylesheet = Options.EmbeddedStylesheet,
            SelfRedirect = Options.EmbeddedSelfRedirect,
            Language = Options.QrCodeLanguage == "en" ? "en" : null,
        };
    }
}
