using System.Runtime.InteropServices;

namespace LoadDriver;

/// <summary>
/// A request to stop the run before its end. In the console, Ctrl+C (SIGINT) and SIGTERM come through
/// <see cref="Handle"/>; the run observes <see cref="Token"/>, stops its virtual users and the sample, and reports what
/// it measured so far. A second signal quits at once: <see cref="Forced"/> lets the run kill the sample first.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly CancellationTokenSource _forced = new();
    private string? _reason;

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>Cancelled by the second signal, just before the process ends.</summary>
    public CancellationToken Forced => _forced.Token;

    /// <summary>What stopped the run ("Ctrl+C", "SIGTERM"), or null while nothing has.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>The exit code of a run stopped this way: 128 + the signal's number, as shells report it.</summary>
    public int ExitCode { get; private set; }

    /// <summary>The handler for SIGINT and SIGTERM.</summary>
    public void Handle(PosixSignalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (reason, exitCode) = context.Signal == PosixSignal.SIGTERM ? ("SIGTERM", 143) : ("Ctrl+C", 130);
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            // The first: the process goes on to stop the run and report.
            context.Cancel = true;
            ExitCode = exitCode;
            _requested.Cancel();
        }
        else
        {
            // The second: the signal's default action ends the process, once the sample is killed.
            context.Cancel = false;
            _forced.Cancel();
        }
    }

    public void Dispose()
    {
        _requested.Dispose();
        _forced.Dispose();
    }
}
