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
    }

    /// <summary>Gets the options.</summary>
    public WeChatEmulatorOptions Options { get; }

    /// <summary>Gets how many times <c>sns/oauth2/access_token</c> was called, whatever it answered.</summary>
    public long ExchangeCount => Interlocked.Read(ref _exchanges);

    /// <summary>Gets the AppSecret the emulator accepts: the configured one, or one made at start-up.</summary>
    internal string AppSecret { get; }

    internal TimeProvider Time { get; }

    /// <summary>Gets whether some WeChat scheme of this app signs in against the emulator.</summary>
    internal bool IsInUse => _inUse;

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

    internal void CountExchange() => Interlocked.Increment(ref _exchanges);

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

    /// <summary>Issues a user access token for a grant, valid 7,200 s as WeChat's.</summary>
    internal string IssueUserToken(WeChatEmulatorGrant grant)
    {
        var accessToken = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 86);
        _tokens[accessToken] = grant with { Expires = Time.GetUtcNow().AddSeconds(7200) };
        return accessToken;
    }

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
