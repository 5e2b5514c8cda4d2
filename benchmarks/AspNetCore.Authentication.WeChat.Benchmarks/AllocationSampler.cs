using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// Samples allocations (the runtime's AllocationTick, about one per 100 KB) with the allocating stack, for
/// <c>--allocations</c>: where a sign-in's bytes come from, by type and by the nearest frame of the package or ASP.NET Core.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _byType = new();
    private readonly ConcurrentDictionary<string, long> _byFrame = new();
    private volatile bool _on;

    public void Start() => _on = true;

    public void Stop() => _on = false;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            return;
        }

        var type = e.Payload?[e.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
        _byType.AddOrUpdate(type, 1, (_, n) => n + 1);
        var frames = new StackTrace(1, false).GetFrames();
        var chain = frames.Select(f => f.GetMethod()).Where(m => m?.DeclaringType?.FullName is { } t && (t.StartsWith("AspNetCore.Authentication.WeChat", StringComparison.Ordinal) && !t.Contains("Benchmarks", StringComparison.Ordinal) || t.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)))
            .Take(3).Select(m => $"{m!.DeclaringType!.Name}.{m.Name}");
        _byFrame.AddOrUpdate(string.Join(" < ", chain), 1, (_, n) => n + 1);
    }

    public void Report(int operations)
    {
        var total = _byType.Values.Sum();
        Console.WriteLine($"{total} samples (~100 KB each) over {operations} operations: ~{total * 100_000 / Math.Max(1, operations)} bytes per operation");
        foreach (var (k, v) in _byType.OrderByDescending(p => p.Value).Take(25))
        {
            Console.WriteLine($"{100.0 * v / total,5:F1}%  {k}");
        }

        Console.WriteLine();
        foreach (var (k, v) in _byFrame.OrderByDescending(p => p.Value).Take(40))
        {
            Console.WriteLine($"{100.0 * v / total,5:F1}%  {k}");
        }
    }
}
