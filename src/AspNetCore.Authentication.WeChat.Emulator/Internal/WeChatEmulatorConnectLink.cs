using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// What WeChat's two sign-in pages, <c>connect/oauth2/authorize</c> (official account) and <c>connect/qrconnect</c>
/// (website), check alike in their links and how they answer alike: the query read raw, the state rule, the callback
/// domain, the user chosen on the page, the callback URL and the "该链接无法访问" page.
/// </summary>
internal static partial class WeChatEmulatorConnectLink
{
    public static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public const string AppIdMissing = "10012 appid不能为空 / appid is missing";

    public const string RedirectUriMissing = "10011 redirect_uri不能为空 / redirect_uri is missing";

    public const string RedirectUriNotAbsolute = "10003 redirect_uri 无效 / redirect_uri must be an absolute, URL-encoded URL";

    public const string RedirectUriNotAllowed = "10003 redirect_uri域名与后台配置不一致 / redirect_uri must be on this app's own origin, or a host of WeChatEmulator:RedirectDomains";

    public const string ScopeMissing = "10010 scope不能为空 / scope is missing";

    public const string StateInvalid = "state参数过长或含有非法字符 / state must be at most 128 characters of a-zA-Z0-9";

    /// <summary>
    /// The link's parameters, decoded; a parameter given twice counts by its first value. Read from the raw query (the
    /// page's own, or the one its form posts back), because the order checks need it raw.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Parse(string? rawQuery)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (rawQuery ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            parameters.TryAdd(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "");
        }

        return parameters;
    }

    /// <summary>WeChat's state rule: "a-zA-Z0-9的参数值，最多128字节".</summary>
    public static bool IsValidState(string state) => state.Length <= 128 && AlphanumericState().IsMatch(state);

    /// <summary>
    /// Whether WeChat would send a code to <paramref name="redirectUri"/>: the origin the browser reached the emulator on
    /// (the app it serves), or a host of <see cref="WeChatEmulatorOptions.RedirectDomains"/> (exact host, any port), as
    /// WeChat sends codes only to the account's registered callback domain (网页授权域名, 授权回调域).
    /// </summary>
    public static bool IsAllowedRedirect(WeChatEmulator emulator, string redirectUri, WeChatEmulatorRequest http)
        => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
           && ((emulator.IsInUse && string.Equals(uri.Scheme, http.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(uri.Authority, http.Authority, StringComparison.OrdinalIgnoreCase))
               || emulator.Options.RedirectDomains.Any(domain => string.Equals(domain.Trim('[', ']'), uri.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)));

    /// <summary>The test user a consent or confirmation form chose by its index in the list, or null.</summary>
    public static WeChatEmulatorUser? ChosenUser(WeChatEmulator emulator, IReadOnlyDictionary<string, string> form)
        => int.TryParse(form.GetValueOrDefault("user"), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < emulator.Options.Users.Count
            ? emulator.Options.Users[index]
            : null;

    /// <summary>The URL WeChat sends the browser back to: code and state appended to redirect_uri's query.</summary>
    public static string CallbackUrl(AuthorizeRequest request, string? code)
    {
        // A Location header is ASCII: a redirect_uri with non-ASCII characters goes out percent-encoded.
        var redirectUri = request.RedirectUri.Any(c => c is <= ' ' or > '~') ? new Uri(request.RedirectUri).AbsoluteUri : request.RedirectUri;
        var separator = redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return code is null
            ? $"{redirectUri}{separator}state={request.State}"
            : $"{redirectUri}{separator}code={code}&state={request.State}";
    }

    /// <summary>WeChat's "该链接无法访问" page, with the reason, and no redirect.</summary>
    public static WeChatEmulatorResponse Refuse(string reason) => WeChatEmulatorResponse.Html(WeChatEmulatorPages.Error(reason, Html), 400);

    [GeneratedRegex("^[A-Za-z0-9]*$")]
    private static partial Regex AlphanumericState();
}

/// <summary>A checked link of one of WeChat's sign-in pages.</summary>
/// <param name="RedirectUri">Where to send the browser back.</param>
/// <param name="Scope">The scope asked for.</param>
/// <param name="State">The state to echo.</param>
internal sealed record AuthorizeRequest(string RedirectUri, string Scope, string State);
