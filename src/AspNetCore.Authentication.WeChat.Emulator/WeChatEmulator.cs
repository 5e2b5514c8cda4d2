using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// The emulated WeChat's state: one Open Platform account with three apps (an official account, a website app and a
/// mini-program), its test users, the codes, sessions and tokens it issued. Its APIs (one file each under <c>Apis/</c>,
/// one row each in the route table) answer the way WeChat does. Safe for concurrent use.
/// </summary>
public sealed class WeChatEmulator
{
    private readonly ConcurrentDictionary<string, WeChatEmulatorGrant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, WeChatEmulatorApp App)> _usedCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WeChatEmulatorGrant> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WeChatEmulatorRefreshGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly byte[] _appSecret;
    private readonly byte[] _miniProgramSecret;
    private readonly byte[] _websiteSecret;
    private readonly WeChatEmulatorCodes _miniProgramCodes;
    private readonly WeChatEmulatorCodes _phoneCodes;
    private readonly WeChatEmulatorSessions _sessions;
    private long _distinctUsers;
    private long _exchanges;
    private readonly WeChatEmulatorSweep _sweep = new();
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
        MiniProgramAppSecret = string.IsNullOrEmpty(Options.MiniProgramAppSecret) ? RandomNumberGenerator.GetHexString(32, lowercase: true) : Options.MiniProgramAppSecret;
        _miniProgramSecret = Encoding.UTF8.GetBytes(MiniProgramAppSecret);
        WebsiteAppSecret = string.IsNullOrEmpty(Options.WebsiteAppSecret) ? RandomNumberGenerator.GetHexString(32, lowercase: true) : Options.WebsiteAppSecret;
        _websiteSecret = Encoding.UTF8.GetBytes(WebsiteAppSecret);
        GlobalTokens = new WeChatEmulatorGlobalTokens(time);
        MiniProgramGlobalTokens = new WeChatEmulatorGlobalTokens(time);
        // wx.login codes look like WeChat's (32 letters and digits); phone-number codes are long hex strings.
        _miniProgramCodes = new WeChatEmulatorCodes(time, static () => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32));
        _phoneCodes = new WeChatEmulatorCodes(time, static () => RandomNumberGenerator.GetHexString(64, lowercase: true));
        _sessions = new WeChatEmulatorSessions(time);
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

    /// <summary>Gets the mini-program's AppSecret the emulator accepts: the configured one, or one made at start-up.</summary>
    internal string MiniProgramAppSecret { get; }

    /// <summary>Gets the website app's AppSecret the emulator accepts: the configured one, or one made at start-up.</summary>
    internal string WebsiteAppSecret { get; }

    internal TimeProvider Time { get; }

    /// <summary>Gets the official account's global access tokens.</summary>
    internal WeChatEmulatorGlobalTokens GlobalTokens { get; }

    /// <summary>Gets the mini-program's global access tokens: WeChat keeps them per app, so they work for its APIs only.</summary>
    internal WeChatEmulatorGlobalTokens MiniProgramGlobalTokens { get; }

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
    /// Whether a call addressed to WeChat's real API host is one of the emulator's own: made with one of its AppIDs (in
    /// the query or, for <c>stable_token</c>, the JSON body) or with a token it issued. Any other call (an app's real
    /// token, a real AppID) is WeChat's business and goes on to the network.
    /// </summary>
    internal bool Owns(WeChatEmulatorRequest request)
    {
        if (request["appid"] is { } appId)
        {
            return FindApp(appId) is not null;
        }

        if (request["access_token"] is { } token)
        {
            return GlobalTokens.Issued(token) || MiniProgramGlobalTokens.Issued(token) || _tokens.ContainsKey(token);
        }

        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(request.Body);
            return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && body.RootElement.TryGetProperty("appid", out var bodyAppId)
                && bodyAppId.ValueKind == System.Text.Json.JsonValueKind.String
                && FindApp(bodyAppId.GetString()) is not null;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Issues a single-use code of the official account for a user, as WeChat does when the user consents on the
    /// authorize page, valid for <see cref="WeChatEmulatorOptions.CodeLifetime"/>.
    /// </summary>
    /// <param name="user">The user who consented.</param>
    /// <param name="scope">The scope granted.</param>
    /// <param name="emulatorBaseUrl">
    /// Where the browser reaches the emulator (origin, path base and prefix), for the avatar URL of a user without a
    /// <see cref="WeChatEmulatorUser.HeadImageUrl"/>; without it such a user has no avatar.
    /// </param>
    /// <returns>The code.</returns>
    public string IssueCode(WeChatEmulatorUser user, string scope, string? emulatorBaseUrl = null)
        => IssueCode(WeChatEmulatorApp.OfficialAccount, user, scope, emulatorBaseUrl);

    /// <summary>
    /// Issues a single-use code of the website app for a user, as WeChat does when the user scans the QR login page's
    /// code and confirms on the phone: scope <c>snsapi_login</c>, valid for
    /// <see cref="WeChatEmulatorOptions.WebsiteCodeLifetime"/>, exchanged at <c>sns/oauth2/access_token</c> with the
    /// website's AppID and AppSecret only. With <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/>, the code is for
    /// a new, distinct user (<see cref="TryGetCodeUser"/> tells which).
    /// </summary>
    /// <param name="user">The user who confirmed.</param>
    /// <param name="emulatorBaseUrl">
    /// Where the browser reaches the emulator (origin, path base and prefix), for the avatar URL of a user without a
    /// <see cref="WeChatEmulatorUser.HeadImageUrl"/>; without it such a user has no avatar.
    /// </param>
    /// <returns>The code.</returns>
    public string IssueWebsiteCode(WeChatEmulatorUser user, string? emulatorBaseUrl = null)
        => IssueCode(WeChatEmulatorApp.Website, user, "snsapi_login", emulatorBaseUrl);

    private string IssueCode(WeChatEmulatorApp app, WeChatEmulatorUser user, string scope, string? emulatorBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Options.DistinctUserPerCode)
        {
            user = DistinctUser(Interlocked.Increment(ref _distinctUsers), user.HeadImageUrl);
        }

        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _codes[code] = new WeChatEmulatorGrant(app, user, scope, Time.GetUtcNow() + CodeLifetimeOf(app), emulatorBaseUrl?.TrimEnd('/'));
        return code;
    }

    /// <summary>
    /// Finds the user a code (the official account's or the website's) was issued to, while the code has not been
    /// exchanged: lets a test check that a sign-in ends as the user it began as.
    /// </summary>
    /// <param name="code">The code.</param>
    /// <param name="user">The user, when the code is pending.</param>
    /// <returns>Whether the code is pending.</returns>
    public bool TryGetCodeUser(string code, [NotNullWhen(true)] out WeChatEmulatorUser? user)
    {
        user = _codes.TryGetValue(code, out var grant) ? grant.User : null;
        return user is not null;
    }

    /// <summary>
    /// Issues a mini-program login code for a user, as <c>wx.login</c> does in the mini-program: single use, valid for
    /// <see cref="WeChatEmulatorOptions.CodeLifetime"/>, exchanged at <c>sns/jscode2session</c>. The user gets a new
    /// session_key, which replaces their previous one (WeChat keeps one valid session_key per user, and a new login may
    /// replace it). With <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/>, the code is for a new, distinct user.
    /// </summary>
    /// <param name="user">The user who opened the mini-program.</param>
    /// <returns>The code.</returns>
    public string IssueMiniProgramCode(WeChatEmulatorUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Options.DistinctUserPerCode)
        {
            user = DistinctUser(Interlocked.Increment(ref _distinctUsers), user.HeadImageUrl);
        }

        _sessions.Rotate(user.MiniProgramOpenId);
        return _miniProgramCodes.Issue(user, Options.CodeLifetime);
    }

    /// <summary>
    /// Finds the user a mini-program login code was issued to, while the code can still be spent (it is not spent):
    /// under <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/> the user <see cref="IssueMiniProgramCode"/> made,
    /// which its caller cannot otherwise know, so that a test can check a sign-in ends as the user it began as.
    /// </summary>
    /// <param name="code">The code.</param>
    /// <param name="user">The user, when the code is pending.</param>
    /// <returns>Whether the code is pending (issued, not yet exchanged, not expired).</returns>
    public bool TryGetMiniProgramCodeUser(string code, [NotNullWhen(true)] out WeChatEmulatorUser? user)
    {
        ArgumentNullException.ThrowIfNull(code);
        user = _miniProgramCodes.Peek(code);
        return user is not null;
    }

    /// <summary>
    /// Issues a phone-number code for a user, as the mini-program's <c>getPhoneNumber</c> button does once the user
    /// agrees: single use, valid for <see cref="WeChatEmulatorOptions.CodeLifetime"/>, exchanged at
    /// <c>wxa/business/getuserphonenumber</c>.
    /// </summary>
    /// <param name="user">The user who tapped the button.</param>
    /// <returns>The code.</returns>
    /// <exception cref="InvalidOperationException">The user has no <see cref="WeChatEmulatorUser.PhoneNumber"/>.</exception>
    public string IssuePhoneNumberCode(WeChatEmulatorUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(user.PhoneNumber))
        {
            throw new InvalidOperationException($"The test user '{user.OpenId}' has no phone number, so the mini-program cannot get a phone-number code for them. Set their PhoneNumber (WeChatEmulator:Users:N:PhoneNumber).");
        }

        return _phoneCodes.Issue(user, Options.CodeLifetime);
    }

    /// <summary>
    /// Gives a user's open data as <c>wx.getUserInfo</c> does: their profile (with their mini-program openid, their
    /// unionid when they have one, and a watermark with the time and the mini-program's AppID) encrypted with their
    /// current session_key, and the profile in clear with its signature. Data taken before the user's next
    /// <see cref="IssueMiniProgramCode"/> no longer decrypts with the session_key that one gives, as on WeChat.
    /// </summary>
    /// <param name="user">The user.</param>
    /// <param name="emulatorBaseUrl">
    /// Where the browser reaches the emulator (origin, path base and prefix), for the avatar URL of a user without a
    /// <see cref="WeChatEmulatorUser.HeadImageUrl"/>; without it such a user has no avatar.
    /// </param>
    /// <returns>The open data.</returns>
    /// <exception cref="InvalidOperationException">
    /// The user has no session_key yet: no mini-program code was issued for them (or it was too long ago).
    /// </exception>
    public WeChatEmulatorOpenData EncryptUserInfo(WeChatEmulatorUser user, string? emulatorBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        var sessionKey = _sessions.Current(user.MiniProgramOpenId)
            ?? throw new InvalidOperationException($"The test user '{user.OpenId}' has no session_key yet: issue a mini-program code for them first (IssueMiniProgramCode, as wx.login does), then take their open data.");

        var profile = new Dictionary<string, object>
        {
            ["nickName"] = user.Nickname,
            ["gender"] = 0,
            ["language"] = "zh_CN",
            ["city"] = "",
            ["province"] = "",
            ["country"] = "",
            ["avatarUrl"] = AvatarUrl(user, emulatorBaseUrl?.TrimEnd('/')),
        };
        var rawData = WeChatEmulatorJson.Serialize(profile);

        // The encrypted profile has WeChat's field order: openId first, then the profile, unionId, watermark.
        var encrypted = new Dictionary<string, object> { ["openId"] = user.MiniProgramOpenId };
        foreach (var (name, value) in profile)
        {
            encrypted[name] = value;
        }

        if (user.UnionId is not null)
        {
            encrypted["unionId"] = user.UnionId;
        }

        encrypted["watermark"] = Watermark();
        var (encryptedData, iv) = WeChatEmulatorCrypto.Encrypt(WeChatEmulatorJson.Serialize(encrypted), sessionKey);
        return new WeChatEmulatorOpenData(encryptedData, iv, rawData, WeChatEmulatorCrypto.RawDataSignature(rawData, sessionKey));
    }

    /// <summary>
    /// Finds a user by their mini-program openid (what <c>sns/jscode2session</c> answers): a configured test user, or
    /// one issued under <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/>.
    /// </summary>
    /// <param name="miniProgramOpenId">The mini-program openid.</param>
    /// <param name="user">The user, when found.</param>
    /// <returns>Whether the user was found.</returns>
    public bool TryGetMiniProgramUser(string miniProgramOpenId, [NotNullWhen(true)] out WeChatEmulatorUser? user)
    {
        ArgumentNullException.ThrowIfNull(miniProgramOpenId);
        user = Options.Users.FirstOrDefault(u => u.MiniProgramOpenId == miniProgramOpenId) ?? FindDistinctMiniProgramUser(miniProgramOpenId);
        return user is not null;
    }

    internal void MarkInUse() => _inUse = true;

    /// <summary>Which of the emulator's apps an AppID is, or null for another app's.</summary>
    internal WeChatEmulatorApp? FindApp(string? appId)
        => appId == Options.AppId ? WeChatEmulatorApp.OfficialAccount
            : appId == Options.MiniProgramAppId ? WeChatEmulatorApp.MiniProgram
            : appId == Options.WebsiteAppId ? WeChatEmulatorApp.Website
            : null;

    /// <summary>The global access tokens of the official account or the mini-program (the website app has none).</summary>
    internal WeChatEmulatorGlobalTokens GlobalTokensOf(WeChatEmulatorApp app)
        => app == WeChatEmulatorApp.MiniProgram ? MiniProgramGlobalTokens : GlobalTokens;

    /// <summary>The AppSecret of one of the emulator's apps.</summary>
    internal string AppSecretOf(WeChatEmulatorApp app) => app switch
    {
        WeChatEmulatorApp.MiniProgram => MiniProgramAppSecret,
        WeChatEmulatorApp.Website => WebsiteAppSecret,
        _ => AppSecret,
    };

    /// <summary>How long a sign-in code of <paramref name="app"/> lives (WeChat: 10 minutes for a website's, 5 for others).</summary>
    private TimeSpan CodeLifetimeOf(WeChatEmulatorApp app) => app == WeChatEmulatorApp.Website ? Options.WebsiteCodeLifetime : Options.CodeLifetime;

    /// <summary>The user a mini-program login code was issued to, while it can be spent (not spending it).</summary>
    internal WeChatEmulatorUser? PeekMiniProgramCode(string code) => _miniProgramCodes.Peek(code);

    /// <summary>Spends a mini-program login code: its user, or null with WeChat's errcode (40163 used, 40029 unknown or expired).</summary>
    internal WeChatEmulatorUser? RedeemMiniProgramCode(string code, out int errorCode) => _miniProgramCodes.Redeem(code, out errorCode);

    /// <summary>The user a phone-number code was issued to, while it can be spent (not spending it).</summary>
    internal WeChatEmulatorUser? PeekPhoneNumberCode(string code) => _phoneCodes.Peek(code);

    /// <summary>Spends a phone-number code: its user, or null with an errcode (40163 used, 40029 unknown or expired).</summary>
    internal WeChatEmulatorUser? RedeemPhoneNumberCode(string code, out int errorCode) => _phoneCodes.Redeem(code, out errorCode);

    /// <summary>The user's current session_key, or null when they have none.</summary>
    internal string? CurrentSessionKey(WeChatEmulatorUser user) => _sessions.Current(user.MiniProgramOpenId);

    /// <summary>Counts a <c>jscode2session</c> call for a user: false past WeChat's 100 a minute.</summary>
    internal bool CountSessionCall(WeChatEmulatorUser user) => _sessions.CountCall(user.MiniProgramOpenId);

    /// <summary>The watermark WeChat puts in the mini-program's open data and phone numbers: now, and the mini-program's AppID.</summary>
    internal Dictionary<string, object> Watermark()
        => new() { ["timestamp"] = Time.GetUtcNow().ToUnixTimeSeconds(), ["appid"] = Options.MiniProgramAppId };

    /// <summary>
    /// The user a code was issued to under <see cref="WeChatEmulatorOptions.DistinctUserPerCode"/>, rebuilt from the
    /// openid (a follower, with the unionid it was issued with), so that load runs need not remember every user.
    /// </summary>
    internal WeChatEmulatorUser? FindDistinctUser(string? openId) => FindDistinctUser(openId, "oEmuLoad");

    /// <summary>The same, from the user's mini-program openid.</summary>
    private WeChatEmulatorUser? FindDistinctMiniProgramUser(string? miniProgramOpenId) => FindDistinctUser(miniProgramOpenId, "oEmuMpLoad");

    private WeChatEmulatorUser? FindDistinctUser(string? openId, string prefix)
        => Options.DistinctUserPerCode && openId is not null && openId.Length == prefix.Length + 10 && openId.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(openId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= Interlocked.Read(ref _distinctUsers)
            ? DistinctUser(n, "")
            : null;

    private static WeChatEmulatorUser DistinctUser(long n, string headImageUrl) => new()
    {
        OpenId = string.Create(CultureInfo.InvariantCulture, $"oEmuLoad{n:D10}"),
        MiniProgramOpenId = string.Create(CultureInfo.InvariantCulture, $"oEmuMpLoad{n:D10}"),
        UnionId = string.Create(CultureInfo.InvariantCulture, $"uEmuLoad{n:D10}"),
        Nickname = string.Create(CultureInfo.InvariantCulture, $"用户{n}"),
        HeadImageUrl = headImageUrl,
        PhoneNumber = string.Create(CultureInfo.InvariantCulture, $"139{n % 100_000_000:D8}"),
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
    /// Each app has its own secret: one app's does not work for another.
    /// </summary>
    /// <param name="appId">The appid sent.</param>
    /// <param name="secret">The secret sent.</param>
    /// <param name="serves">The apps the API serves: another app's AppID is invalid there.</param>
    /// <param name="app">Which of the emulator's apps the credentials are (when they are right).</param>
    /// <param name="wrongSecretCode">What a wrong secret answers: 40001 at cgi-bin/token, 40125 elsewhere.</param>
    internal WeChatEmulatorResponse? CheckCredentials(string? appId, string? secret, ReadOnlySpan<WeChatEmulatorApp> serves, out WeChatEmulatorApp app, int wrongSecretCode = 40125)
    {
        app = default;
        if (string.IsNullOrEmpty(appId))
        {
            return WeChatEmulatorJson.Error(41002, "appid missing");
        }

        if (FindApp(appId) is not { } found || !serves.Contains(found))
        {
            return WeChatEmulatorJson.Error(40013, "invalid appid");
        }

        app = found;
        if (string.IsNullOrEmpty(secret))
        {
            return WeChatEmulatorJson.Error(41004, "appsecret missing");
        }

        return IsAppSecret(found, secret) ? null
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

    internal bool IsAppSecret(WeChatEmulatorApp app, string secret)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), app switch
        {
            WeChatEmulatorApp.MiniProgram => _miniProgramSecret,
            WeChatEmulatorApp.Website => _websiteSecret,
            _ => _appSecret,
        });

    /// <summary>
    /// Spends a code of <paramref name="app"/>: its grant, or the errcode WeChat answers (40163 used, 40029 unknown or
    /// expired). A code is bound to the app it was issued for: another app's code is unknown here (40029) and stays
    /// unspent for its own app.
    /// </summary>
    internal WeChatEmulatorGrant? RedeemCode(string code, WeChatEmulatorApp app, out int errorCode)
    {
        var now = Time.GetUtcNow();
        if (!_codes.TryGetValue(code, out var grant) || grant.App != app)
        {
            errorCode = _usedCodes.TryGetValue(code, out var used) && used.App == app ? 40163 : 40029;
            return null;
        }

        if (!_codes.TryRemove(KeyValuePair.Create(code, grant)))
        {
            // Another exchange of the same code won the race.
            errorCode = 40163;
            return null;
        }

        ForgetOldCodes(now);
        _usedCodes[code] = (now + CodeLifetimeOf(app), app);
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
    /// Refreshes a user access token of <paramref name="app"/>: the same token with a new expiry while it is valid, a
    /// new one once it expired, as WeChat does; null with WeChat's errcode (40030 unknown or another app's, 42002
    /// expired) otherwise.
    /// </summary>
    internal (string AccessToken, WeChatEmulatorGrant Grant)? RefreshUserToken(string refreshToken, WeChatEmulatorApp app, out int errorCode)
    {
        var now = Time.GetUtcNow();
        if (!_refreshTokens.TryGetValue(refreshToken, out var refresh) || refresh.Grant.App != app)
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
        // Used codes are remembered (for 40163) only while they could have been valid.
        if (!_sweep.IsDue(now, _usedCodes.Count))
        {
            return;
        }

        foreach (var (code, used) in _usedCodes)
        {
            if (used.Expires < now)
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
