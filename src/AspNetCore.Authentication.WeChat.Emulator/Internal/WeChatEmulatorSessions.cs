using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The mini-program's sessions, as WeChat keeps them: one valid session_key per user at a time, replaced when the user
/// logs in again ("同一用户在同一时刻仅有一个有效的 session_key"), and <c>sns/jscode2session</c>'s limit of 100 calls per
/// user per minute. Keyed by the user's mini-program openid. Safe for concurrent use; expired entries are forgotten.
/// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_checksessionkey
/// https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_code2session
/// </summary>
internal sealed class WeChatEmulatorSessions(TimeProvider time)
{
    /// <summary>How many <c>jscode2session</c> calls a user may make in a minute before 45011 ("每个用户每分钟100次").</summary>
    public const int CallsPerUserPerMinute = 100;

    // WeChat does not say how long a session_key lives; a day keeps a developer's session across a working day and
    // bounds what a load run leaves behind.
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, (string SessionKey, DateTimeOffset Expires)> _sessionKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Minute, int Calls)> _calls = new(StringComparer.Ordinal);
    private readonly WeChatEmulatorSweep _sweep = new();

    /// <summary>Gives the user a new session_key (16 random bytes, base64: 24 characters), which replaces the previous one.</summary>
    public string Rotate(string miniProgramOpenId)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var sessionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        _sessionKeys[miniProgramOpenId] = (sessionKey, now + Lifetime);
        return sessionKey;
    }

    /// <summary>The user's current session_key, or null when they have none (never logged in, or too long ago).</summary>
    public string? Current(string miniProgramOpenId)
        => _sessionKeys.TryGetValue(miniProgramOpenId, out var session) && session.Expires >= time.GetUtcNow() ? session.SessionKey : null;

    /// <summary>Counts a <c>jscode2session</c> call of the user: false once they made more than 100 this minute.</summary>
    public bool CountCall(string miniProgramOpenId)
    {
        var minute = time.GetUtcNow().UtcTicks / TimeSpan.TicksPerMinute;
        var calls = _calls.AddOrUpdate(miniProgramOpenId, static (_, m) => (m, 1), static (_, current, m) => current.Minute == m ? (m, current.Calls + 1) : (m, 1), minute);
        return calls.Calls <= CallsPerUserPerMinute;
    }

    private void Sweep(DateTimeOffset now)
    {
        if (!_sweep.IsDue(now, _sessionKeys.Count + _calls.Count))
        {
            return;
        }

        foreach (var (openId, session) in _sessionKeys)
        {
            if (session.Expires < now)
            {
                _sessionKeys.TryRemove(openId, out _);
            }
        }

        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        foreach (var (openId, calls) in _calls)
        {
            if (calls.Minute < minute)
            {
                _calls.TryRemove(openId, out _);
            }
        }
    }
}
