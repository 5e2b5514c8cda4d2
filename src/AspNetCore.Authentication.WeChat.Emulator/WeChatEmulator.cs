using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// The emulated WeChat's state: its test users, the codes and user tokens it issued. Its APIs (one file each under
/// <c>Apis/</c>, one row each in the route table) answer the way WeChat does. Safe for concurrent use.
/// </summary>
public sealed class WeChatEmulator
{
    private readonly ConcurrentDictionary<string, WeChatEmulatorGrant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WeChatEmulatorGrant> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WeChatEmulatorRefreshGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly byte[] _appSecret;
    private long _distinctUsers;
    private long _exchanges;
    private long _lastSweepTicks;
    private volatile bool _inUse;

    /// <summary>Initializes the emulator.</summary>
    /// <param name="options">The emulator's options.</param>
    /// <param name="time">The clock.</param>
    public WeChatEmulator(IOptions<WeChatEmulatorOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Options.AddDefaultUsersIfNone();
        Time = time;
        AppSecret = string.IsNullOrEmpty(Options.AppSecret) ? RandomNumberGenerator.GetHexString(32, lowercase: true) : Options.AppSecret;
        _appSecret = Encoding.UTF8.GetBytes(AppSecret);
        GlobalTokens = new WeChatEmulatorGlobalTokens(time);
    }

    /// <summary>Gets the options.</summary>
    public WeChatEmulatorOptions Options { get; }

    /// <summary>Gets how many times <c>sns/oauth2/access_token</c> was called, whatever it answered.</summary>
    public long ExchangeCount => Interlocked.Read(ref _exchanges);

    /// <summary>
    /// Gets how many times a server API of the emulator was called, whatever it answered, over HTTP or in process.
    /// </summary>
    /// <param name="path">WeChat's path of the API, for example <c>/cgi-bin/stable_token</c> or <c>/cgi-bin/user/info</c>.</param>
    /// <returns>The number of calls.</returns>
    public long GetCallCount(string path) => _calls.TryGetValue(path, out var count) ? count : 0;

    /// <summary>Gets the AppSecret the emulator accepts: the configured one, or one made at start-up.</summary>
    internal string AppSecret { get; }

    internal TimeProvider Time { get; }

    internal WeChatEmulatorGlobalTokens GlobalTokens { get; }

    /// <summary>Gets whether some WeChat scheme of this app signs in against the emulator.</summary>
    internal bool IsInUse => _inUse;

    /// <summary>The URL of a server route on the emulator's placeholder origin, which its backchannel answers in process.</summary>
    internal string PlaceholderUrl(WeChatEmulatorRoute route)
        => WeChatEmulatorDefaults.PlaceholderOrigin + Options.PathPrefix.TrimEnd('/') + route.Path;

    /// <summary>
    /// A backchannel that the emulator answers (and, <paramref name="withNetwork"/>, that sends other calls over the
    /// network), with a flow's timeout.
    /// </summary>
    internal HttpClient CreateBackchannel(TimeSpan timeout, bool withNetwork)
        => new(withNetwork ? WeChatEmulatorBackchannelHandler.WithNetwork(this) : new WeChatEmulatorBackchannelHandler(this))
        {
            Timeout = timeout > TimeSpan.Zero ? timeout : Timeout.InfiniteTimeSpan,
        };

    /// <summary>
    /// Whether a call addressed to WeChat's real API host is one of the emulator's own: made with its AppID (in the query
    /// or, for <c>stable_token</c>, the JSON body) or with a token it issued. Any other call (an app's real token, a real
    /// AppID) is WeChat's business and goes on to the network.
    /// </summary>
    internal bool Owns(WeChatEmulatorRequest request)
    {
        if (request["appid"] is { } appId)
        {
            return appId == Options.AppId;
        }

        if (request["access_token"] is { } token)
        {
            return GlobalTokens.Issued(token) || _tokens.ContainsKey(token);
        }

        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(request.Body);
            return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && body.RootElement.TryGetProperty("appid", out var bodyAppId)
                && bodyAppId.ValueKind == System.Text.Json.JsonValueKind.String
                && bodyAppId.ValueEquals(Options.AppId);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
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
            user = DistinctUser(Interlocked.Increment(ref _distinctUsers), user.HeadImageUrl);
        }

        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _codes[code] = new WeChatEmulatorGrant(user, scope, Time.GetUtcNow() + Options.CodeLifetime, emulatorBaseUrl?.TrimEnd('/'));
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

    internal void MarkInUse() => _inUse = true;

    /// <summary>
    /// The user a code was issued to under <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/>, rebuilt from the
    /// openid (a follower, with the unionid it was issued with), so that load runs need not remember every user.
    /// </summary>
    internal WeChatEmulatorUser? FindDistinctUser(string? openId)
        => Options.DistinctUserPerCode && openId is { Length: 18 } && openId.StartsWith("oEmuLoad", StringComparison.Ordinal)
            && long.TryParse(openId.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= Interlocked.Read(ref _distinctUsers)
            ? DistinctUser(n, "")
            : null;

    private static WeChatEmulatorUser DistinctUser(long n, string headImageUrl) => new()
    {
        OpenId = string.Create(CultureInfo.InvariantCulture, $"oEmuLoad{n:D10}"),
        UnionId = string.Create(CultureInfo.InvariantCulture, $"uEmuLoad{n:D10}"),
        Nickname = string.Create(CultureInfo.InvariantCulture, $"用户{n}"),
        HeadImageUrl = headImageUrl,
        Subscribed = true,
    };

    internal void CountExchange() => Interlocked.Increment(ref _exchanges);

    /// <summary>Runs a route, counting the call.</summary>
    internal Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulatorRoute route, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (route.Audience == WeChatEmulatorAudience.Server)
        {
            _calls.AddOrUpdate(route.Path, 1, static (_, count) => count + 1);
        }

        return route.Handle(this, request, cancellationToken);
    }

    /// <summary>
    /// Checks an app's credentials as WeChat's token APIs do: null when they are right, otherwise the error answer.
    /// </summary>
    /// <param name="appId">The appid sent.</param>
    /// <param name="secret">The secret sent.</param>
    /// <param name="wrongSecretCode">What a wrong secret answers: 40001 at cgi-bin/token, 40125 elsewhere.</param>
    internal WeChatEmulatorResponse? CheckCredentials(string? appId, string? secret, int wrongSecretCode = 40125)
    {
        if (string.IsNullOrEmpty(appId))
        {
            return WeChatEmulatorJson.Error(41002, "appid missing");
        }

        if (appId != Options.AppId)
        {
            return WeChatEmulatorJson.Error(40013, "invalid appid");
        }

        if (string.IsNullOrEmpty(secret))
        {
            return WeChatEmulatorJson.Error(41004, "appsecret missing");
        }

        return IsAppSecret(secret) ? null
            : wrongSecretCode == 40001 ? WeChatEmulatorJson.Error(40001, "invalid credential, access_token is invalid or not latest")
            : WeChatEmulatorJson.Error(40125, "invalid appsecret");
    }

    /// <summary>The refusal the app's switches ask the token APIs for, as WeChat words it, or null.</summary>
    internal WeChatEmulatorResponse? GlobalTokenRefusal() => Options.GlobalTokenErrorCode switch
    {
        null => null,
        // WeChat names the caller's address; the emulator names one from the documentation range.
        40164 => WeChatEmulatorJson.Error(40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"),
        89503 => WeChatEmulatorJson.Error(89503, "此次调用需要管理员确认，请耐心等候"),
        45009 => WeChatEmulatorJson.Error(45009, "reach max api daily quota limit"),
        -1 => WeChatEmulatorJson.Error(-1, "system error"),
        { } other => WeChatEmulatorJson.Error(other, "emulated error"),
    };

    internal bool IsAppSecret(string secret) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _appSecret);

    /// <summary>Spends a code: its grant, or the errcode WeChat answers (40163 used, 40029 unknown or expired).</summary>
    internal WeChatEmulatorGrant? RedeemCode(string code, out int errorCode)
    {
        var now = Time.GetUtcNow();
        if (!_codes.TryRemove(code, out var grant))
        {
            errorCode = _usedCodes.ContainsKey(code) ? 40163 : 40029;
            return null;
        }

        ForgetOldCodes(now);
        _usedCodes[code] = now + Options.CodeLifetime;
        errorCode = grant.Expires < now ? 40029 : 0;
        return errorCode == 0 ? grant : null;
    }

    /// <summary>Issues a user access token for a grant, valid 7,200 s as WeChat's, and its refresh token, valid 30 days.</summary>
    internal (string AccessToken, string RefreshToken) IssueUserToken(WeChatEmulatorGrant grant)
    {
        var accessToken = NewUserToken();
        var refreshToken = NewUserToken();
        var now = Time.GetUtcNow();
        _tokens[accessToken] = grant with { Expires = now.AddSeconds(7200) };
        _refreshTokens[refreshToken] = new WeChatEmulatorRefreshGrant(grant, accessToken, now.AddDays(30));
        return (accessToken, refreshToken);
    }

    /// <summary>
    /// Refreshes a user access token: the same token with a new expiry while it is valid, a new one once it expired, as
    /// WeChat does; null with WeChat's errcode (40030 unknown, 42002 expired) otherwise.
    /// </summary>
    internal (string AccessToken, WeChatEmulatorGrant Grant)? RefreshUserToken(string refreshToken, out int errorCode)
    {
        var now = Time.GetUtcNow();
        if (!_refreshTokens.TryGetValue(refreshToken, out var refresh))
        {
            errorCode = 40030;
            return null;
        }

        if (refresh.Expires < now)
        {
            errorCode = 42002;
            return null;
        }

        var accessToken = _tokens.TryGetValue(refresh.AccessToken, out var current) && current.Expires >= now ? refresh.AccessToken : NewUserToken();
        var grant = refresh.Grant with { Expires = now.AddSeconds(7200) };
        _tokens[accessToken] = grant;
        if (accessToken != refresh.AccessToken)
        {
            _tokens.TryRemove(refresh.AccessToken, out _);
            _refreshTokens[refreshToken] = refresh with { AccessToken = accessToken };
        }

        errorCode = 0;
        return (accessToken, grant);
    }

    private static string NewUserToken() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 86);

    /// <summary>The grant of a user access token, or the errcode WeChat answers (40014 unknown, 42001 expired).</summary>
    internal WeChatEmulatorGrant? FindUserToken(string accessToken, out int errorCode)
    {
        if (!_tokens.TryGetValue(accessToken, out var grant))
        {
            errorCode = 40014;
            return null;
        }

        if (grant.Expires < Time.GetUtcNow())
        {
            _tokens.TryRemove(accessToken, out _);
            errorCode = 42001;
            return null;
        }

        errorCode = 0;
        return grant;
    }

    /// <summary>
    /// The avatar URL WeChat would send: the user's own, or the emulator's drawing of it (an http URL, as WeChat's image
    /// servers give, so that it passes the package's avatar check).
    /// </summary>
    internal static string AvatarUrl(WeChatEmulatorUser user, string? emulatorBaseUrl)
        => user.HeadImageUrl is { Length: > 0 } own ? own
            : emulatorBaseUrl is null ? ""
            : $"{emulatorBaseUrl}/mmopen/{Uri.EscapeDataString(user.OpenId)}/132";

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
}
