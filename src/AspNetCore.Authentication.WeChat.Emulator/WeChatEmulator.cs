using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// The emulated WeChat: issues single-use codes and user tokens and answers WeChat's JSON APIs the way WeChat does
/// (HTTP 200 with <c>errcode</c> on errors, <c>text/plain</c> bodies). Safe for concurrent use.
/// </summary>
public sealed partial class WeChatEmulator
{
    /// <summary>The Content-Type WeChat's sns endpoints answer with.</summary>
    public const string ContentType = "text/plain";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _tokens = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _distinctUsers;
    private long _exchanges;
    private volatile bool _inUse;
    private long _lastSweepTicks;

    /// <summary>Initializes the emulator.</summary>
    /// <param name="options">The emulator's options.</param>
    /// <param name="time">The clock.</param>
    public WeChatEmulator(IOptions<WeChatEmulatorOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _time = time;
        AppSecret = string.IsNullOrEmpty(Options.AppSecret) ? RandomNumberGenerator.GetHexString(32, lowercase: true) : Options.AppSecret;
    }

    /// <summary>Gets the options.</summary>
    public WeChatEmulatorOptions Options { get; }

    /// <summary>Gets the AppSecret the emulator accepts.</summary>
    public string AppSecret { get; }

    /// <summary>Gets whether some WeChat scheme of this app signs in against the emulator.</summary>
    internal bool IsInUse => _inUse;

    /// <summary>Records that a WeChat scheme was pointed at the emulator.</summary>
    internal void MarkInUse() => _inUse = true;

    /// <summary>
    /// Whether WeChat would send a code to <paramref name="redirectUri"/>: the origin the browser reached the emulator
    /// on (the app it serves), or a host of <see cref="WeChatEmulatorOptions.RedirectDomains"/>.
    /// </summary>
    internal bool IsAllowedRedirect(string redirectUri, string requestScheme, string requestAuthority)
        => Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
           && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
           && ((_inUse && string.Equals(uri.Scheme, requestScheme, StringComparison.OrdinalIgnoreCase) && string.Equals(uri.Authority, requestAuthority, StringComparison.OrdinalIgnoreCase))
               || Options.RedirectDomains.Any(domain => string.Equals(domain.Trim('[', ']'), uri.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)));

    /// <summary>Gets how many times <c>sns/oauth2/access_token</c> was called, whatever it answered.</summary>
    public long ExchangeCount => Interlocked.Read(ref _exchanges);

    /// <summary>A checked authorize request.</summary>
    /// <param name="RedirectUri">Where to send the browser back.</param>
    /// <param name="Scope">The scope asked for.</param>
    /// <param name="State">The state to echo.</param>
    public sealed record AuthorizeRequest(string RedirectUri, string Scope, string State);

    /// <summary>
    /// Checks an authorize URL's query as WeChat does. Returns the request, or the reason WeChat would show its
    /// "该链接无法访问" page.
    /// </summary>
    /// <param name="rawQuery">The query string, with its leading '?'.</param>
    /// <param name="error">Why the URL is refused.</param>
    /// <returns>The request when the URL is acceptable.</returns>
    public AuthorizeRequest? CheckAuthorize(string rawQuery, out string? error)
    {
        var parameters = (rawQuery ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.UnescapeDataString(p[0]), Value: p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : ""))
            .ToList();
        string? Get(string name) => parameters.FirstOrDefault(p => p.Name == name).Value;

        if (Options.StrictParameterOrder && !StrictQuery().IsMatch(rawQuery ?? ""))
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
            _ when appId != Options.AppId => "10016 appid 无效 / unknown appid: " + appId,
            _ when string.IsNullOrEmpty(redirectUri) => "10011 redirect_uri不能为空 / redirect_uri is missing",
            _ when !Uri.TryCreate(redirectUri, UriKind.Absolute, out _) => "10003 redirect_uri 无效 / redirect_uri must be an absolute, URL-encoded URL",
            _ when Get("response_type") != "code" => "response_type 必须为 code / response_type must be code",
            _ when string.IsNullOrEmpty(scope) => "10010 scope不能为空 / scope is missing",
            _ when scope is not ("snsapi_base" or "snsapi_userinfo") => "10005 此公众号并没有这些scope的权限 / unsupported scope: " + scope,
            _ when state.Length > 128 || !AlphanumericState().IsMatch(state) => "state参数过长或含有非法字符 / state must be at most 128 characters of a-zA-Z0-9",
            _ => null,
        };
        return error is null ? new AuthorizeRequest(redirectUri!, scope!, state) : null;
    }

    /// <summary>Issues a single-use code for a user, as WeChat does when the user consents.</summary>
    /// <param name="user">The user who consented.</param>
    /// <param name="scope">The scope granted.</param>
    /// <param name="emulatorBaseUrl">
    /// Where the browser reaches the emulator (origin, path base and prefix), for the avatar URL of a user without a
    /// <see cref="WeChatEmulatorUser.HeadImageUrl"/>; without it such a user has no avatar.
    /// </param>
    /// <returns>The code.</returns>
    public string IssueCode(WeChatEmulatorUser user, string scope, string? emulatorBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Options.DistinctUserPerCode)
        {
            var n = Interlocked.Increment(ref _distinctUsers);
            user = new WeChatEmulatorUser
            {
                OpenId = string.Create(CultureInfo.InvariantCulture, $"oEmuLoad{n:D10}"),
                UnionId = string.Create(CultureInfo.InvariantCulture, $"uEmuLoad{n:D10}"),
                Nickname = string.Create(CultureInfo.InvariantCulture, $"用户{n}"),
                HeadImageUrl = user.HeadImageUrl,
            };
        }

        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _codes[code] = new Grant(user, scope, _time.GetUtcNow() + Options.CodeLifetime, emulatorBaseUrl?.TrimEnd('/'));
        return code;
    }

    /// <summary>
    /// Finds the user a code was issued to, while the code has not been exchanged: lets a test check that a sign-in
    /// ends as the user it began as.
    /// </summary>
    /// <param name="code">The code.</param>
    /// <param name="user">The user, when the code is pending.</param>
    /// <returns>Whether the code is pending.</returns>
    public bool TryGetCodeUser(string code, [NotNullWhen(true)] out WeChatEmulatorUser? user)
    {
        user = _codes.TryGetValue(code, out var grant) ? grant.User : null;
        return user is not null;
    }

    /// <summary>Builds the URL WeChat sends the browser back to: code and state appended to redirect_uri's query.</summary>
    /// <param name="request">The authorize request.</param>
    /// <param name="code">The code, or <see langword="null"/> when the user refused.</param>
    /// <returns>The callback URL.</returns>
    public static string CallbackUrl(AuthorizeRequest request, string? code)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A Location header is ASCII: a redirect_uri with non-ASCII characters goes out percent-encoded.
        var redirectUri = request.RedirectUri.Any(c => c is <= ' ' or > '~') ? new Uri(request.RedirectUri).AbsoluteUri : request.RedirectUri;
        var separator = redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return code is null
            ? $"{redirectUri}{separator}state={request.State}"
            : $"{redirectUri}{separator}code={code}&state={request.State}";
    }

    /// <summary>Answers <c>GET /sns/oauth2/access_token</c>.</summary>
    /// <param name="appId">The <c>appid</c> parameter.</param>
    /// <param name="secret">The <c>secret</c> parameter.</param>
    /// <param name="code">The <c>code</c> parameter.</param>
    /// <param name="grantType">The <c>grant_type</c> parameter.</param>
    /// <param name="cancellationToken">Cancels a simulated delay.</param>
    /// <returns>The JSON body (always HTTP 200).</returns>
    public async Task<string> ExchangeCodeAsync(string? appId, string? secret, string? code, string? grantType, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _exchanges);
        if (string.IsNullOrEmpty(appId))
        {
            return Error(41002, "appid missing");
        }

        if (appId != Options.AppId)
        {
            return Error(40013, "invalid appid");
        }

        if (string.IsNullOrEmpty(secret))
        {
            return Error(41004, "appsecret missing");
        }

        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(AppSecret)))
        {
            return Error(40125, "invalid appsecret");
        }

        if (grantType != "authorization_code")
        {
            return Error(40002, "invalid grant_type");
        }

        if (string.IsNullOrEmpty(code))
        {
            return Error(41008, "missing code");
        }

        var now = _time.GetUtcNow();
        if (!_codes.TryRemove(code, out var grant))
        {
            return _usedCodes.ContainsKey(code) ? Error(40163, "code been used") : Error(40029, "invalid code");
        }

        ForgetOldCodes(now);
        _usedCodes[code] = now + Options.CodeLifetime;
        if (grant.Expires < now)
        {
            return Error(40029, "invalid code");
        }

        if (grant.User.TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(grant.User.TokenDelay, _time, cancellationToken).ConfigureAwait(false);
        }

        if (grant.User.TokenErrorCode is { } errorCode)
        {
            return Error(errorCode, errorCode == -1 ? "system error" : "emulated error");
        }

        var accessToken = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 86);
        _tokens[accessToken] = grant with { Expires = now.AddSeconds(7200) };
        var body = new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["expires_in"] = 7200,
            ["refresh_token"] = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 86),
            ["openid"] = grant.User.OpenId,
            ["scope"] = grant.Scope,
        };

        // Since 2017-12-31 WeChat returns unionid only with snsapi_userinfo.
        if (grant.User.UnionId is not null && grant.Scope == "snsapi_userinfo")
        {
            body["unionid"] = grant.User.UnionId;
        }

        return JsonSerializer.Serialize(body, Json);
    }

    /// <summary>Answers <c>GET /sns/userinfo</c>.</summary>
    /// <param name="accessToken">The <c>access_token</c> parameter.</param>
    /// <param name="openId">The <c>openid</c> parameter.</param>
    /// <returns>The JSON body (always HTTP 200).</returns>
    public string GetUserInfo(string? accessToken, string? openId)
    {
        if (string.IsNullOrEmpty(accessToken))
        {
            return Error(41001, "access_token missing");
        }

        if (!_tokens.TryGetValue(accessToken, out var grant))
        {
            return Error(40014, "invalid access_token");
        }

        if (grant.Expires < _time.GetUtcNow())
        {
            _tokens.TryRemove(accessToken, out _);
            return Error(42001, "access_token expired");
        }

        if (openId != grant.User.OpenId)
        {
            return Error(40003, "invalid openid");
        }

        if (grant.Scope != "snsapi_userinfo")
        {
            return Error(48001, "api unauthorized");
        }

        var user = grant.User;
        var body = new Dictionary<string, object>
        {
            ["openid"] = user.OpenId,
            ["nickname"] = user.Nickname,
            ["sex"] = 0,
            ["province"] = "",
            ["city"] = "",
            ["country"] = "",
            ["headimgurl"] = AvatarUrl(user, grant.EmulatorBaseUrl),
            ["privilege"] = Array.Empty<string>(),
        };
        if (user.UnionId is not null)
        {
            body["unionid"] = user.UnionId;
        }

        return JsonSerializer.Serialize(body, Json);
    }

    private static string Error(int code, string message)
        => JsonSerializer.Serialize(new { errcode = code, errmsg = $"{message}, rid: {RandomNumberGenerator.GetHexString(8, lowercase: true)}-emulator" });

    private void ForgetOldCodes(DateTimeOffset now)
    {
        // Used codes are remembered (for 40163) only while they could have been valid. The sweep walks every
        // entry, so under load it runs at most once a minute rather than on every exchange.
        var lastSweep = Interlocked.Read(ref _lastSweepTicks);
        if (_usedCodes.Count < 10_000 || now.UtcTicks - lastSweep < TimeSpan.TicksPerMinute
            || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, lastSweep) != lastSweep)
        {
            return;
        }

        foreach (var (code, expires) in _usedCodes)
        {
            if (expires < now)
            {
                _usedCodes.TryRemove(code, out _);
            }
        }

        foreach (var (token, grant) in _tokens)
        {
            if (grant.Expires < now)
            {
                _tokens.TryRemove(token, out _);
            }
        }
    }

    /// <summary>
    /// The avatar URL WeChat would send: the user's own, or the emulator's drawing of it (an http URL, as WeChat's image
    /// servers give, so that it passes the package's avatar check).
    /// </summary>
    internal static string AvatarUrl(WeChatEmulatorUser user, string? emulatorBaseUrl)
        => user.HeadImageUrl is { Length: > 0 } own ? own
            : emulatorBaseUrl is null ? ""
            : $"{emulatorBaseUrl}/mmopen/{Uri.EscapeDataString(user.OpenId)}/132";

    /// <summary>An avatar in WeChat's style: the first character of the nickname on a colour picked by the openid.</summary>
    internal string DrawAvatar(string openId)
    {
        var user = Options.Users.FirstOrDefault(u => u.OpenId == openId);
        var letter = user is { Nickname.Length: > 0 } ? user.Nickname[..System.Globalization.StringInfo.GetNextTextElementLength(user.Nickname)] : "微";
        string[] colors = ["#07c160", "#1485ee", "#fa5151", "#ffc300", "#6467f0"];
        var color = colors[(int)((uint)string.GetHashCode(openId, StringComparison.Ordinal) % (uint)colors.Length)];
        return $"<svg xmlns='http://www.w3.org/2000/svg' width='132' height='132'><rect width='132' height='132' fill='{color}'/><text x='66' y='88' font-size='64' text-anchor='middle' fill='white' font-family='sans-serif'>{System.Security.SecurityElement.Escape(letter)}</text></svg>";
    }

    private sealed record Grant(WeChatEmulatorUser User, string Scope, DateTimeOffset Expires, string? EmulatorBaseUrl = null);

    [GeneratedRegex(@"^\?appid=[^&]*&redirect_uri=[^&]*&response_type=[^&]*&scope=[^&]*&state=[^&]*(&forcePopup=(true|false))?$")]
    private static partial Regex StrictQuery();

    [GeneratedRegex("^[A-Za-z0-9]*$")]
    private static partial Regex AlphanumericState();
}
