namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Options for WeChat website QR login (网站应用微信登录): a website app of WeChat Open Platform, with its own AppID and
/// AppSecret (not the official account's).
/// </summary>
public class WeChatQrConnectOptions : WeChatOAuthOptions
{
    /// <summary>
    /// Initializes a new <see cref="WeChatQrConnectOptions"/> with WeChat's QR login endpoint and callback path.
    /// </summary>
    public WeChatQrConnectOptions()
    {
        CallbackPath = WeChatQrConnectDefaults.CallbackPath;
        AuthorizationEndpoint = WeChatQrConnectDefaults.AuthorizationEndpoint;
    }

    /// <summary>
    /// Gets or sets the language of WeChat's QR page (<c>lang</c>): <c>cn</c> or <c>en</c>.
    /// </summary>
    /// <remarks>Defaults to <c>cn</c>, WeChat's own default, which is not sent.</remarks>
    public string QrCodeLanguage { get; set; } = "cn";

    /// <summary>
    /// Gets or sets the URL of the script that draws the embedded QR code (<c>wxLogin.js</c>), reported by
    /// <c>MapWeChatQrConnectEmbedded</c>. A path that starts with <c>/</c> is on the app's own origin (the emulator's
    /// stand-in in development).
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatQrConnectDefaults.EmbeddedScriptUrl"/>.</remarks>
    public string EmbeddedScriptUrl { get; set; } = WeChatQrConnectDefaults.EmbeddedScriptUrl;

    /// <summary>
    /// Gets or sets the colour of the embedded QR code's text (<c>WxLogin</c>'s <c>style</c>): <c>black</c> or
    /// <c>white</c>.
    /// </summary>
    /// <remarks>Defaults to <c>black</c>.</remarks>
    public string EmbeddedStyle { get; set; } = "black";

    /// <summary>
    /// Gets or sets the https URL (or <c>data:text/css;base64,…</c>) of a stylesheet WeChat applies to the embedded QR
    /// page (<c>WxLogin</c>'s <c>href</c>), or <see langword="null"/> for WeChat's own look.
    /// </summary>
    /// <remarks>Defaults to <see langword="null"/>.</remarks>
    public string? EmbeddedStylesheet { get; set; }

    /// <summary>
    /// Gets or sets whether, after the user confirms on the phone, the embedded QR code's frame goes to the callback
    /// itself (<c>self_redirect: true</c>) instead of the whole page (the default, which the sign-in needs to land the
    /// user on their return URL).
    /// </summary>
    /// <remarks>Defaults to <see langword="false"/>.</remarks>
    public bool EmbeddedSelfRedirect { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (QrCodeLanguage is not ("cn" or "en"))
        {
            throw new ArgumentException($"The 'QrCodeLanguage' option must be 'cn' or 'en', but it is '{QrCodeLanguage}'.", nameof(QrCodeLanguage));
        }

        if (EmbeddedStyle is not ("black" or "white"))
        {
            throw new ArgumentException($"The 'EmbeddedStyle' option must be 'black' or 'white', but it is '{EmbeddedStyle}'.", nameof(EmbeddedStyle));
        }

        if (string.IsNullOrEmpty(EmbeddedScriptUrl)
            || !(EmbeddedScriptUrl.StartsWith('/') && !EmbeddedScriptUrl.StartsWith("//", StringComparison.Ordinal) && !EmbeddedScriptUrl.StartsWith("/\\", StringComparison.Ordinal)
                || (Uri.TryCreate(EmbeddedScriptUrl, UriKind.Absolute, out var script) && (script.Scheme == Uri.UriSchemeHttps || script.Scheme == Uri.UriSchemeHttp))))
        {
            throw new ArgumentException($"The 'EmbeddedScriptUrl' option must be an absolute http or https URL, or a path on the app that starts with '/', but it is '{EmbeddedScriptUrl}'.", nameof(EmbeddedScriptUrl));
        }

        if (EmbeddedStylesheet is { } stylesheet
            && !stylesheet.StartsWith("data:text/css;base64,", StringComparison.Ordinal)
            && !(Uri.TryCreate(stylesheet, UriKind.Absolute, out var css) && css.Scheme == Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The 'EmbeddedStylesheet' option must be null, an https URL or a 'data:text/css;base64,' URL, but it is '{stylesheet}'.", nameof(EmbeddedStylesheet));
        }
    }

    internal override string DefaultScope => WeChatQrConnectDefaults.LoginScope;

    internal override string AllowedScopes => $"'{WeChatQrConnectDefaults.LoginScope}' (a website app may ask for nothing else)";

    internal override string AppDescription => "website app";

    internal override string ConfigurationSection => "Authentication:WeChatQrConnect";

    internal override string ProtectorPurpose => typeof(WeChatQrConnectHandler).FullName!;

    // "网页应用目前仅填写snsapi_login" (https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html);
    // the official account's scopes there give "Scope 参数错误或没有 Scope 权限".
    internal override bool IsAllowedScope(string scope) => scope == WeChatQrConnectDefaults.LoginScope;
}
