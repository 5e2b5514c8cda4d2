using System.Security.Cryptography;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The emulated app's global access tokens, as WeChat keeps them: <c>cgi-bin/token</c> issues a new token per call and
/// keeps the previous one valid 5 more minutes; <c>stable_token</c> returns its current token while it is valid and
/// hands out the next one in the last 300 s; force mode replaces it at once, 30 s apart, 20 a day. The two families are
/// isolated from each other.
/// https://developers.weixin.qq.com/doc/service/en/api/base/api_getaccesstoken
/// https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
/// </summary>
internal sealed class WeChatEmulatorGlobalTokens(TimeProvider time)
{
    /// <summary>How long WeChat keeps a replaced token valid, and how early it rotates a stable token.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan ForceInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _valid = new(StringComparer.Ordinal);
    private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);
    private (string Value, DateTimeOffset Expires)? _classic;
    private (string Value, DateTimeOffset Expires)? _stable;
    private DateTimeOffset _lastForce = DateTimeOffset.MinValue;
    private int _classicToday;
    private int _forcesToday;
    private DateOnly _day;

    /// <summary><c>cgi-bin/token</c>: a new token; the previous one dies 5 minutes from now. Null when the quota is used up.</summary>
    public (string Value, int ExpiresIn)? IssueClassic(TimeSpan lifetime, int dailyQuota)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            StartDay(now);
            if (++_classicToday > dailyQuota)
            {
                return null;
            }

            if (_classic is { } previous)
            {
                Shorten(previous.Value, now + Overlap);
            }

            var token = Issue(now + lifetime);
            _classic = (token, now + lifetime);
            return (token, (int)lifetime.TotalSeconds);
        }
    }

    /// <summary>
    /// <c>stable_token</c>: the current token and its remaining life; inside its last 300 s the next one (the current
    /// one stays valid until it expires); with <paramref name="force"/>, a new one at once, the current one dead. Null
    /// when the day's 20 force refreshes are used up.
    /// </summary>
    public (string Value, int ExpiresIn)? IssueStable(TimeSpan lifetime, bool force)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            StartDay(now);

            // Within 30 s of the last force refresh WeChat does not refresh ("否则不会刷新"): the current token comes back.
            if (force && now - _lastForce >= ForceInterval)
            {
                if (++_forcesToday > 20)
                {
                    return null;
                }

                _lastForce = now;
                if (_stable is { } leaked)
                {
                    // "会导致上次获取的 access_token 失效": no overlap in force mode.
                    Shorten(leaked.Value, now);
                }

                _stable = null;
            }

            if (_stable is not { } stable || now >= stable.Expires - Overlap)
            {
                _stable = stable = (Issue(now + lifetime), now + lifetime);
            }

            return (stable.Value, (int)Math.Ceiling((stable.Expires - now).TotalSeconds));
        }
    }

    /// <summary>0 when <paramref name="token"/> is valid, else WeChat's errcode: 42001 expired, 40001 replaced or unknown.</summary>
    public int Check(string token)
    {
        lock (_gate)
        {
            if (_valid.TryGetValue(token, out var expires) && time.GetUtcNow() < expires)
            {
                return 0;
            }

            return _valid.ContainsKey(token) && !_replaced.Contains(token) ? 42001 : 40001;
        }
    }

    /// <summary>Whether the emulator issued <paramref name="token"/> (in the last day or so), valid or not.</summary>
    public bool Issued(string token)
    {
        lock (_gate)
        {
            return _valid.ContainsKey(token);
        }
    }

    private string Issue(DateTimeOffset expires)
    {
        // WeChat's tokens are long (reserve 512 characters); these are as long as typical ones.
        var token = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 136);
        _valid[token] = expires;
        return token;
    }

    private void Shorten(string token, DateTimeOffset until)
    {
        if (_valid.TryGetValue(token, out var expires) && until < expires)
        {
            _valid[token] = until;
            _replaced.Add(token);
        }
    }

    private void StartDay(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(8)).DateTime);
        if (day != _day)
        {
            (_day, _classicToday, _forcesToday) = (day, 0, 0);
            var stale = _valid.Where(p => p.Value < now - TimeSpan.FromDays(1)).Select(p => p.Key).ToList();
            foreach (var token in stale)
            {
                _valid.Remove(token);
                _replaced.Remove(token);
            }
        }
    }
}
