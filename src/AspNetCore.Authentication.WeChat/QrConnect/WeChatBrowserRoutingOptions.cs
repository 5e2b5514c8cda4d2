using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Options of the policy scheme (<c>AddWeChatBrowserRouting</c>) that forwards to official-account web authorization
/// inside WeChat's browser and to website QR login everywhere else.
/// </summary>
public class WeChatBrowserRoutingOptions
{
    /// <summary>Gets or sets the official-account scheme, used inside WeChat's own browser.</summary>
    /// <remarks>Defaults to <see cref="WeChatAuthenticationDefaults.AuthenticationScheme"/>.</remarks>
    public string OfficialAccountScheme { get; set; } = WeChatAuthenticationDefaults.AuthenticationScheme;

    /// <summary>Gets or sets the QR login scheme, used in desktop browsers.</summary>
    /// <remarks>Defaults to <see cref="WeChatQrConnectDefaults.AuthenticationScheme"/>.</remarks>
    public string QrConnectScheme { get; set; } = WeChatQrConnectDefaults.AuthenticationScheme;

    /// <summary>
    /// Gets or sets the scheme for WeCom's (企业微信) browser, whose User-Agent says both <c>MicroMessenger</c> and
    /// <c>wxwork</c>: official-account authorization is WeChat's, not WeCom's, so by default it gets the QR code, to scan
    /// with WeChat.
    /// </summary>
    /// <remarks>Defaults to <see langword="null"/>: <see cref="QrConnectScheme"/>.</remarks>
    public string? WeComScheme { get; set; }

    /// <summary>
    /// Gets or sets the scheme for a phone's browser outside WeChat (Safari, Chrome on Android), which can use neither
    /// flow well: WeChat's QR page there asks the user to open it in WeChat (say so on the page), and the official
    /// account's page only works inside WeChat.
    /// </summary>
    /// <remarks>Defaults to <see langword="null"/>: <see cref="QrConnectScheme"/>.</remarks>
    public string? MobileBrowserScheme { get; set; }

    /// <summary>
    /// Gets or sets a selector asked first: the scheme for a request, or <see langword="null"/> to route by
    /// User-Agent as described above.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>. The answer must be one of <see cref="OfficialAccountScheme"/>,
    /// <see cref="QrConnectScheme"/>, <see cref="WeComScheme"/> or <see cref="MobileBrowserScheme"/>; any other is
    /// ignored (with the warning <c>WeChatBrowserRoutingSelectionIgnored</c>) and the request routed by User-Agent, so that
    /// a selector reading the request (<c>?via=qr</c>) can never send a visitor to another scheme.
    /// </remarks>
    public Func<HttpContext, string?>? SelectScheme { get; set; }
}
