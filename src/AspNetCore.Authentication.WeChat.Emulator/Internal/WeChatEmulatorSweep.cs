namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// When to forget expired entries: a sweep walks every entry, so under load it runs at most once a minute, and not at
/// all while a map is small (its expired entries are then found and dropped when they are read).
/// </summary>
internal sealed class WeChatEmulatorSweep
{
    private const int Threshold = 10_000;
    private long _lastTicks;

    /// <summary>Whether this caller (and no other at the same time) should sweep a map of <paramref name="count"/> entries now.</summary>
    public bool IsDue(DateTimeOffset now, int count)
    {
        var last = Interlocked.Read(ref _lastTicks);
        return count >= Threshold && now.UtcTicks - last >= TimeSpan.TicksPerMinute
            && Interlocked.CompareExchange(ref _lastTicks, now.UtcTicks, last) == last;
    }
}
