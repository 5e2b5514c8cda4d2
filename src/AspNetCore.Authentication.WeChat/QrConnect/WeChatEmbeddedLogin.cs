namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// What a page needs to draw WeChat's QR code inside itself: the script to load, and the options of
/// <c>new WxLogin({ id, ... })</c>, whose <see cref="State"/> and correlation cookie the server issued as for a redirect.
/// https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
/// </summary>
/// <remarks>
/// <c>MapWeChatQrConnectEmbedded</c> answers it as JSON:
/// <c>{"script":"…","options":{"self_redirect":false,"appid":"…","scope":"snsapi_login","redirect_uri":"…","state":"…","style":"black"}}</c>,
/// with <c>href</c> and <c>lang</c> when set. Each one is for one sign-in: fetch a new one whenever the QR code is drawn.
/// </remarks>
internal sealed class WeChatEmbeddedLogin
{
    /// <summary>Gets the URL of <c>wxLogin.js</c> (or the emulator's stand-in).</summary>
    public required string ScriptUrl { get; init; }

    /// <summary>Gets the website app's AppID (<c>appid</c>).</summary>
    public required string AppId { get; init; }

    /// <summary>Gets the scope (<c>scope</c>): <c>snsapi_login</c>.</summary>
    public required string Scope { get; init; }

    /// <summary>
    /// Gets the callback URL, already URL-encoded as <c>wxLogin.js</c> needs it (<c>redirect_uri</c>).
    /// </summary>
    public required string RedirectUri { get; init; }

    /// <summary>Gets the sign-in's single-use state (<c>state</c>).</summary>
    public required string State { get; init; }

    /// <summary>Gets the text colour (<c>style</c>): <c>black</c> or <c>white</c>.</summary>
    public required string Style { get; init; }

    /// <summary>Gets the stylesheet applied to the QR page (<c>href</c>), or <see langword="null"/>.</summary>
    public string? Stylesheet { get; init; }

    /// <summary>Gets whether the frame itself goes to the callback (<c>self_redirect</c>).</summary>
    public bool SelfRedirect { get; init; }

    /// <summary>Gets <c>en</c> for an English QR page (<c>lang</c>), or <see langword="null"/>.</summary>
    public string? Language { get; init; }
}
