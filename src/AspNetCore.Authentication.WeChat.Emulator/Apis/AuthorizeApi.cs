using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /connect/oauth2/authorize</c>: WeChat's web authorization page, which checks the link strictly and shows the
/// consent sheet; and the emulator's <c>POST</c> of that sheet, which sends the browser back with a code (or without
/// one, when the user refuses). https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
/// </summary>
internal static partial class AuthorizeApi
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static Task<WeChatEmulatorResponse> ShowAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (Check(emulator, request.RawQuery, request, out var error) is not { } authorize)
        {
            return Task.FromResult(Refuse(error!));
        }

        // Like WeChat, snsapi_base authorizes silently: no page, straight back with a code.
        return Task.FromResult(authorize.Scope == "snsapi_base" || emulator.Options.SilentAuthorization
            ? WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, emulator.IssueCode(emulator.Options.Users[0], authorize.Scope, request.BaseUrl)))
            : WeChatEmulatorResponse.Html(WeChatEmulatorPages.Consent(emulator.Options, request.RawQuery, authorize.Scope, request.BaseUrl!, Html)));
    }

    public static Task<WeChatEmulatorResponse> ConsentAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        var form = request.ReadForm();
        if (Check(emulator, form.GetValueOrDefault("query") ?? "", request, out var error) is not { } authorize)
        {
            return Task.FromResult(Refuse(error!));
        }

        if (form.GetValueOrDefault("decision") != "allow")
        {
            // WeChat's documented refusal: back to redirect_uri with state and no code.
            return Task.FromResult(WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, code: null)));
        }

        if (!int.TryParse(form.GetValueOrDefault("user"), CultureInfo.InvariantCulture, out var index) || index < 0 || index >= emulator.Options.Users.Count)
        {
            return Task.FromResult(Refuse("请选择一个测试用户 / Choose a test user."));
        }

        return Task.FromResult(WeChatEmulatorResponse.Redirect(CallbackUrl(authorize, emulator.IssueCode(emulator.Options.Users[index], authorize.Scope, request.BaseUrl))));
    }

    /// <summary>
    /// Checks an authorize link's query as WeChat does: the authorize request, or why WeChat would show its
    /// "该链接无法访问" page.
    /// </summary>
    internal static AuthorizeRequest? Check(WeChatEmulator emulator, string rawQuery, WeChatEmulatorRequest http, out string? error)
    {
        var options = emulator.Options;
        var parameters = (rawQuery ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.UnescapeDataString(p[0]), Value: p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : ""))
            .ToList();
        string? Get(string name) => parameters.FirstOrDefault(p => p.Name == name).Value;

        // WeChat matches the link against a strict pattern: these parameters, in this order.
        if (options.StrictParameterOrder && !StrictQuery().IsMatch(rawQuery ?? ""))
        {
            error = "参数错误：授权链接的参数必须依次为 appid, redirect_uri, response_type, scope, state。/ The parameters must be appid, redirect_uri, response_type, scope, state, in this order (WeChat matches the link strictly).";
            return null;
        }

        var appId = Get("appid");
        var redirectUri = Get("redirect_uri");
        var scope = Get("scope");
        var state = Get("state") ?? "";
        error = appId switch
        {
            null or "" => "10012 appid不能为空 / appid is missing",
            _ when appId != options.AppId => "10016 appid 无效 / unknown appid: " + appId,
            _ when string.IsNullOrEmpty(redirectUri) => "10011 redirect_uri不能为空 / redirect_uri is missing",
            _ when !Uri.TryCreate(redirectUri, UriKind.Absolute, out _) => "10003 redirect_uri 无效 / redirect_uri must be an absolute, URL-encoded URL",
            _ when Get("response_type") != "code" => "response_type 必须为 code / response_type must be code",
            _ when string.IsNullOrEmpty(scope) => "10010 scope不能为空 / scope is missing",
            _ when scope is not ("snsapi_base" or "snsapi_userinfo") => "10005 此公众号并没有这些scope的权限 / unsupported scope: " + scope,
            _ when state.Length > 128 || !AlphanumericState().IsMatch(state) => "state参数过长或含有非法字符 / state must be at most 128 characters of a-zA-Z0-9",
            // WeChat only redirects to the account's registered web authorization domain (网页授权域名).
            _ when !IsAllowedRedirect(emulator, redirectUri!, http) => "10003 redirect_uri域名与后台配置不一致 / redirect_uri must be on this app's own origin, or a host of WeChatEmulator:RedirectDomains",
            _ => null,
        };
        return error is null ? new AuthorizeRequest(redirectUri!, scope!, state) : null;
    }

    /// <summary>The URL WeChat sends the browser back to: code and state appended to redirect_uri's query.</summary>
    internal static string CallbackUrl(AuthorizeRequest request, string? code)
    {
        // A Location header is ASCII: a redirect_uri with non-ASCII characters goes out percent-encoded.
        var redirectUri = request.RedirectUri.Any(c => c is <= ' ' or > '~') ? new Uri(request.RedirectUri).AbsoluteUri : request.RedirectUri;
        var separator = redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return code is null
            ? $"{redirectUri}{separator}state={request.State}"
            : $"{redirectUri}{separator}code={code}&state={request.State}";
    }

    /// <summary>
    /// Whether WeChat would send a code to <paramref name="redirectUri"/>: the origin the browser reached the emulator on
    /// (the app it serves), or a host of <see cref="WeChatEmulatorOptions.RedirectDomains"/> (exact host, any port).
    /// </summary>
    private static bool IsAllowedRedirect(WeChatEmulator emulator, string redirectUri, WeChatEmulatorRequest http)
        => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
           && ((emulator.IsInUse && string.Equals(uri.Scheme, http.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(uri.Authority, http.Authority, StringComparison.OrdinalIgnoreCase))
               || emulator.Options.RedirectDomains.Any(domain => string.Equals(domain.Trim('[', ']'), uri.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)));

    private static WeChatEmulatorResponse Refuse(string reason) => WeChatEmulatorResponse.Html(WeChatEmulatorPages.Error(reason, Html), 400);

    [GeneratedRegex(@"^\?appid=[^&]*&redirect_uri=[^&]*&response_type=[^&]*&scope=[^&]*&state=[^&]*(&forcePopup=(true|false))?$")]
    private static partial Regex StrictQuery();

    [GeneratedRegex("^[A-Za-z0-9]*$")]
    private static partial Regex AlphanumericState();
}

/// <summary>A checked authorize request.</summary>
/// <param name="RedirectUri">Where to send the browser back.</param>
/// <param name="Scope">The scope asked for.</param>
/// <param name="State">The state to echo.</param>
internal sealed record AuthorizeRequest(string RedirectUri, string Scope, string State);
