using System.Collections.Concurrent;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Single-use codes of one kind (the mini-program's <c>wx.login</c> codes, its phone-number codes), each for one user,
/// with WeChat's answers: a code works once, for <see cref="WeChatEmulatorOptions.CodeLifetime"/>; then 40163 (used)
/// or 40029 (unknown or expired). Safe for concurrent use; expired and used codes are forgotten.
/// </summary>
internal sealed class WeChatEmulatorCodes(TimeProvider time, Func<string> newCode)
{
    private readonly ConcurrentDictionary<string, (WeChatEmulatorUser User, DateTimeOffset Expires)> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly WeChatEmulatorSweep _sweep = new();

    /// <summary>A new code for <paramref name="user"/>, valid for <paramref name="lifetime"/>.</summary>
    public string Issue(WeChatEmulatorUser user, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var code = newCode();
        _pending[code] = (user, now + lifetime);
        return code;
    }

    /// <summary>The user of a code that can still be spent, without spending it.</summary>
    public WeChatEmulatorUser? Peek(string code)
        => _pending.TryGetValue(code, out var pending) && pending.Expires >= time.GetUtcNow() ? pending.User : null;

    /// <summary>Spends a code: its user, or null with WeChat's errcode (40163 used, 40029 unknown or expired).</summary>
    public WeChatEmulatorUser? Redeem(string code, out int errorCode)
    {
        var now = time.GetUtcNow();
        if (!_pending.TryRemove(code, out var pending))
        {
            errorCode = _used.ContainsKey(code) ? 40163 : 40029;
            return null;
        }

        // Remembered (for 40163) only while it could have been valid.
        _used[code] = pending.Expires;
        errorCode = pending.Expires < now ? 40029 : 0;
        return errorCode == 0 ? pending.User : null;
    }

    private void Sweep(DateTimeOffset now)
    {
        if (!_sweep.IsDue(now, _pending.Count + _used.Count))
        {
            return;
        }

        foreach (var (code, pending) in _pending)
        {
            if (pending.Expires < now)
            {
                _pending.TryRemove(code, out _);
            }
        }

        foreach (var (code, expires) in _used)
        {
            if (expires < now)
            {
                _used.TryRemove(code, out _);
            }
        }
    }
}
