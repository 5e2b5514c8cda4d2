using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using static AspNetCore.Authentication.WeChat.Emulator.Internal.WeChatEmulatorConnectLink;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /connect/qrconnect</c>: WeChat's website QR login page (网站应用微信登录), which checks the link as strictly as
/// the authorize page and shows a QR code to scan; and the emulator's <c>POST</c> of that page, which stands in for
/// scanning and confirming (or refusing) on the phone. The page comes as a whole page (the documented link) or inside
/// <c>wxLogin.js</c>'s iframe (its own link, recognised by <c>login_type=jssdk</c>).
/// https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
/// </summary>
internal static partial class QrConnectApi
{
    public static Task<WeChatEmulatorResponse> ShowAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(Check(emulator, request.RawQuery, request, out var error) is { } qr
            ? Page(emulator, qr, WeChatEmulatorQrConnectPage.Scan(emulator.Options, qr, request.RawQuery, Html))
            : RefuseLink(emulator, request.RawQuery, error!));

    public static Task<WeChatEmulatorResponse> ConfirmAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        var form = request.ReadForm();
        var rawQuery = form.GetValueOrDefault("query") ?? "";
        if (Check(emulator, rawQuery, request, out var error) is not { } qr)
        {
            return Task.FromResult(RefuseLink(emulator, rawQuery, error!));
        }

        if (form.GetValueOrDefault("decision") != "allow")
        {
            // WeChat's current documentation: "若用户禁止授权，则不会发生重定向"; until 2020 it said the browser went back
            // with the state only.
            return Task.FromResult(emulator.Options.QrConnectRefusalRedirects
                ? Navigate(emulator, qr, CallbackUrl(qr.Link, code: null))
                : Page(emulator, qr, WeChatEmulatorQrConnectPage.Refused(qr, rawQuery, Html)));
        }

        return Task.FromResult(ChosenUser(emulator, form) is { } user
            ? Navigate(emulator, qr, CallbackUrl(qr.Link, emulator.IssueWebsiteCode(user, request.BaseUrl)))
            : RefuseLink(emulator, rawQuery, "请选择一个测试用户 / Choose a test user."));
    }

    /// <summary>
    /// Checks a QR login link's query as WeChat does: the request, or why WeChat would show its "该链接无法访问" page.
    /// </summary>
    internal static QrConnectRequest? Check(WeChatEmulator emulator, string rawQuery, WeChatEmulatorRequest http, out string? error)
    {
        var options = emulator.Options;
        var parameters = Parse(rawQuery);
        var embedded = parameters.GetValueOrDefault("login_type") == "jssdk";

        // The documented link is held to its order, as WeChat's authorize page holds its own (whether qrconnect does
        // is not documented; StrictParameterOrder turns it off). wxLogin.js builds a link of its own, in its own order
        // and without response_type, which WeChat accepts.
        if (options.StrictParameterOrder && !(embedded ? StrictEmbeddedQuery() : StrictQuery()).IsMatch(rawQuery ?? ""))
        {
            error = embedded
                ? "参数错误：wxLogin.js 的链接参数必须依次为 appid, scope, redirect_uri, state, login_type, self_redirect, …，且 redirect_uri 须经 URL 编码。/ The parameters must be wxLogin.js's, in its order (appid, scope, redirect_uri, state, login_type, self_redirect, …), and redirect_uri must be URL-encoded (the script does not encode it)."
                : "参数错误：登录链接的参数必须依次为 appid, redirect_uri, response_type, scope, state[, lang]。/ The parameters must be appid, redirect_uri, response_type, scope, state (then lang, if any), in this order (WeChat matches the link strictly).";
            return null;
        }

        var appId = parameters.GetValueOrDefault("appid");
        var redirectUri = parameters.GetValueOrDefault("redirect_uri");
        var scope = parameters.GetValueOrDefault("scope");
        var state = parameters.GetValueOrDefault("state") ?? "";
        error = appId switch
        {
            null or "" => AppIdMissing,
            // The official account's and the mini-program's AppIDs are the same account's, but not website apps.
            _ when emulator.FindApp(appId) is WeChatEmulatorApp.OfficialAccount or WeChatEmulatorApp.MiniProgram => "appid 不是网站应用 / not a website app's AppID: " + appId,
            _ when appId != options.WebsiteAppId => "appid 无效 / unknown appid: " + appId,
            _ when string.IsNullOrEmpty(redirectUri) => RedirectUriMissing,
            _ when !Uri.TryCreate(redirectUri, UriKind.Absolute, out _) => RedirectUriNotAbsolute,
            _ when !embedded && parameters.GetValueOrDefault("response_type") != "code" => "response_type 必须为 code / response_type must be code",
            _ when string.IsNullOrEmpty(scope) => ScopeMissing,
            // "网页应用目前仅填写snsapi_login": the official account's scopes, even beside it, are refused.
            _ when scope != "snsapi_login" => "Scope 参数错误或没有 Scope 权限 / scope must be snsapi_login: " + scope,
            _ when !IsValidState(state) => StateInvalid,
            _ when !IsAllowedRedirect(emulator, redirectUri!, http) => RedirectUriNotAllowed,
            _ => null,
        };
        return error is null
            ? new QrConnectRequest(
                new AuthorizeRequest(redirectUri!, scope!, state),
                embedded,
                SelfRedirect: embedded && parameters.GetValueOrDefault("self_redirect") == "true",
                WhiteText: parameters.GetValueOrDefault("style") == "white",
                English: parameters.GetValueOrDefault("lang") == "en")
            : null;
    }

    /// <summary>
    /// Sends the browser to the callback: a whole page, or wxLogin.js's iframe with <c>self_redirect=true</c>, goes
    /// there itself; otherwise the iframe takes the app's page (the top window) there, as WeChat's page does.
    /// </summary>
    private static WeChatEmulatorResponse Navigate(WeChatEmulator emulator, QrConnectRequest qr, string callbackUrl)
        => !qr.Embedded || qr.SelfRedirect
            ? WeChatEmulatorResponse.Redirect(callbackUrl)
            : Page(emulator, qr, WeChatEmulatorQrConnectPage.NavigateTop(qr, callbackUrl, Html));

    private static WeChatEmulatorResponse Page(WeChatEmulator emulator, QrConnectRequest qr, string html)
        => WeChatEmulatorResponse.Html(html) with { FrameAncestors = FrameAncestorsOf(emulator, qr.Embedded) };

    /// <summary>The "该链接无法访问" page; inside wxLogin.js's iframe, where the app's page shows it.</summary>
    private static WeChatEmulatorResponse RefuseLink(WeChatEmulator emulator, string rawQuery, string error)
        => Refuse(error) with { FrameAncestors = FrameAncestorsOf(emulator, Parse(rawQuery).GetValueOrDefault("login_type") == "jssdk") };

    /// <summary>
    /// Who may frame the page: nobody for the whole page; for wxLogin.js's iframe the app's own origin ('self': the
    /// emulator is mapped into the app it serves), and for a standalone emulator the hosts it may send codes to, any
    /// port (the apps it serves). A host that is not a plain name or IPv4 address is left out: it must not add to the
    /// policy.
    /// </summary>
    private static string? FrameAncestorsOf(WeChatEmulator emulator, bool embedded)
        => embedded
            ? string.Join(' ', emulator.Options.RedirectDomains.Where(domain => PlainHost().IsMatch(domain))
                .SelectMany(domain => new[] { $"http://{domain}:*", $"https://{domain}:*" })
                .Prepend("'self'"))
            : null;

    [GeneratedRegex(@"^\?appid=[^&]*&redirect_uri=[^&]*&response_type=[^&]*&scope=[^&]*&state=[^&]*(&lang=(cn|en))?$")]
    private static partial Regex StrictQuery();

    // wxLogin.js's link; older copies of the script stop at self_redirect, newer ones may add stylelite and fast_login.
    [GeneratedRegex(@"^\?appid=[^&]*&scope=[^&]*&redirect_uri=[^&]*&state=[^&]*&login_type=jssdk&self_redirect=(true|false|default)(&styletype=[^&]*&sizetype=[^&]*&bgcolor=[^&]*&rst=[^&]*)?(&style=[^&]*)?(&href=[^&]*)?(&lang=en)?(&stylelite=1)?(&fast_login=0)?$")]
    private static partial Regex StrictEmbeddedQuery();

    [GeneratedRegex("^[A-Za-z0-9.-]+$")]
    private static partial Regex PlainHost();
}

/// <summary>A checked QR login link.</summary>
/// <param name="Link">Where to send the browser back, and the state.</param>
/// <param name="Embedded">Whether the page is inside wxLogin.js's iframe (<c>login_type=jssdk</c>).</param>
/// <param name="SelfRedirect">Whether the iframe goes to the callback itself (<c>self_redirect=true</c>), not the app's page.</param>
/// <param name="WhiteText">Whether the text is white, for a dark page behind the iframe (<c>style=white</c>).</param>
/// <param name="English">Whether the page is in English (<c>lang=en</c>); the emulator's pages say everything in both languages anyway.</param>
internal sealed record QrConnectRequest(AuthorizeRequest Link, bool Embedded, bool SelfRedirect, bool WhiteText, bool English);
