using System.Globalization;
using System.Runtime.InteropServices;

namespace LoadDriver;

/// <summary>The figures of one load run.</summary>
internal sealed record LoadReport
{
    // The targets on a 2-core machine.
    public const double TargetSignInsPerSecond = 3000;
    public const double TargetP99Milliseconds = 80;
    public const double TargetCpuMillisecondsPerSignIn = 0.25;

    public required LoadOptions Options { get; init; }

    /// <summary>Why and when an interrupted run stopped; null for a complete run.</summary>
    public StoppedEarly? StoppedEarly { get; init; }

    /// <summary>Sign-ins completed successfully inside the measured window.</summary>
    public required long MeasuredSignIns { get; init; }

    public required TimeSpan MeasuredTime { get; init; }

    public required double P50Milliseconds { get; init; }

    public required double P95Milliseconds { get; init; }

    public required double P99Milliseconds { get; init; }

    public required double MaxMilliseconds { get; init; }

    /// <summary>Sign-ins over the whole run, warm-up included.</summary>
    public required long TotalSignIns { get; init; }

    /// <summary>Failed sign-ins over the whole run, warm-up included.</summary>
    public required long Errors { get; init; }

    /// <summary>Sign-ins that ended as another user, over the whole run.</summary>
    public required long CrossedIdentities { get; init; }

    /// <summary>Sign-ins under way when the run was interrupted, counted neither as done nor as failed.</summary>
    public long AbandonedSignIns { get; init; }

    public required IReadOnlyCollection<string> FirstFailures { get; init; }

    /// <summary>
    /// The app process's CPU time (utime + stime) inside the measured window; null if the app had exited before the
    /// window's end could be read.
    /// </summary>
    public required TimeSpan? AppCpuTime { get; init; }

    /// <summary>The driver's own CPU time (virtual users and the WeChat fake) inside the measured window.</summary>
    public required TimeSpan DriverCpuTime { get; init; }

    /// <summary>Connections the app opened to WeChat's API port during the warm-up.</summary>
    public required long ConnectionsDuringWarmUp { get; init; }

    /// <summary>Connections the app opened to WeChat's API port during the measured window.</summary>
    public required long ConnectionsDuringMeasurement { get; init; }

    /// <summary>
    /// Lines the sample logged during the measured window: with production settings a successful sign-in logs none.
    /// </summary>
    public required int SampleLogLinesDuringMeasurement { get; init; }

    /// <summary>Calls the app made to WeChat's stable_token API over the whole run.</summary>
    public long TokenFetches { get; init; }

    /// <summary>Calls the app made to cgi-bin/user/info (one per profile page) over the whole run.</summary>
    public long FollowerLookups { get; init; }

    /// <summary>Calls the app made to sns/jscode2session (one per mini-program sign-in) over the whole run.</summary>
    public long SessionExchanges { get; init; }

    private bool IsMiniProgram => Options.Flow == LoadFlow.MiniProgram;

    /// <summary>
    /// Whether the app exchanged each mini-program code exactly once: one jscode2session call per sign-in. A sign-in
    /// abandoned at an interruption may or may not have made its call, so it is allowed either way.
    /// </summary>
    public bool OneSessionExchangePerSignIn => SessionExchanges >= TotalSignIns && SessionExchanges <= TotalSignIns + AbandonedSignIns;

    /// <summary>
    /// Whether the app fetched one global token for the whole run (a run is far shorter than a token's 7,200 s): every
    /// follower lookup of every user shared it.
    /// </summary>
    public bool OneTokenPerWindow => TokenFetches == 1 || (TokenFetches == 0 && FollowerLookups == 0);

    public double SignInsPerSecond => MeasuredSignIns / MeasuredTime.TotalSeconds;

    public double CpuMillisecondsPerSignIn => MeasuredSignIns == 0 || AppCpuTime is not { } cpu ? double.NaN : cpu.TotalMilliseconds / MeasuredSignIns;

    public long TotalConnections => ConnectionsDuringWarmUp + ConnectionsDuringMeasurement;

    /// <summary>
    /// Whether the app reused its connections to WeChat: at most one per concurrent user in each of its pools (the web
    /// flow's two: the sign-in's backchannel and the follower API's client; the mini-program flow's one, jscode2session's),
    /// or (on long runs, where the pools recycle connections every few minutes) fewer than one per hundred sign-ins.
    /// Never one per sign-in.
    /// </summary>
    public bool ConnectionsPooled => TotalConnections <= MaxPooledConnections || TotalConnections * 100 <= TotalSignIns;

    /// <summary>
    /// Web: one connection per concurrent user in each of the app's two HTTP client pools, and one for the global token's
    /// fetch, which shares the sign-in's pool and may run while every user's sign-in holds a connection of it.
    /// Mini-program: one per concurrent user in the one pool its sign-in calls jscode2session with (it fetches no token).
    /// </summary>
    public int MaxPooledConnections => IsMiniProgram ? Options.Users : 2 * Options.Users + 1;

    /// <summary>
    /// No failures, no crossed identities, pooled connections to WeChat, and one global token fetch (web) or exactly one
    /// jscode2session call per sign-in (mini-program).
    /// </summary>
    public bool IsCorrect => Errors == 0 && CrossedIdentities == 0 && TotalSignIns > 0 && ConnectionsPooled
        && (IsMiniProgram ? OneSessionExchangePerSignIn : OneTokenPerWindow);

    public void WriteTo(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}"));
        // The web flow's line is as it always was, so its reports compare with older ones word for word.
        var flow = IsMiniProgram ? ", mini-program sign-in (POST /signin-wechat-miniprogram, GET /api/me)" : "";
        output.WriteLine(string.Create(c, $"Run: {Options.Users} virtual users, {Options.WarmUp.TotalSeconds:0} s warm-up, {MeasuredTime.TotalSeconds:0.0} s measured{flow}"));
        if (StoppedEarly is { } stopped)
        {
            output.WriteLine(stopped.DuringWarmUp
                ? string.Create(c, $"**Partial run: stopped early ({stopped.Reason}) during the warm-up, after {stopped.After.TotalSeconds:0.0} s of {Options.WarmUp.TotalSeconds:0} s: nothing measured.**")
                : string.Create(c, $"**Partial run: stopped early ({stopped.Reason}) after {stopped.After.TotalSeconds:0.0} s of the {Options.Duration.TotalSeconds:0} s window.**"));
        }

        // Stopped in the warm-up, there are no speed figures: only what counts over the whole run.
        var measured = StoppedEarly is not { DuringWarmUp: true };
        output.WriteLine();
        output.WriteLine("| Measure | Value | Target | Met |");
        output.WriteLine("| --- | --- | --- | --- |");
        if (measured)
        {
            Row(output, "Complete sign-ins per second", string.Create(c, $"{SignInsPerSecond:0} ({MeasuredSignIns} in the window)"), string.Create(c, $"≥ {TargetSignInsPerSecond:0}"), SignInsPerSecond >= TargetSignInsPerSecond);
            Row(output, "Latency p50 / p95 / p99 (max)", string.Create(c, $"{P50Milliseconds:0.0} / {P95Milliseconds:0.0} / {P99Milliseconds:0.0} ms ({MaxMilliseconds:0} ms)"), string.Create(c, $"p99 < {TargetP99Milliseconds:0} ms"), P99Milliseconds < TargetP99Milliseconds);
            if (AppCpuTime is { } appCpu)
            {
                Row(output, "App CPU per sign-in (utime+stime)", string.Create(c, $"{CpuMillisecondsPerSignIn:0.000} ms ({appCpu.TotalSeconds:0.00} s CPU)"), string.Create(c, $"≤ {TargetCpuMillisecondsPerSignIn:0.00} ms"), CpuMillisecondsPerSignIn <= TargetCpuMillisecondsPerSignIn);
            }
            else
            {
                Row(output, "App CPU per sign-in (utime+stime)", "not read: the sample had exited", string.Create(c, $"≤ {TargetCpuMillisecondsPerSignIn:0.00} ms"), "—");
            }
        }

        Row(output, "Errors (whole run)", string.Create(c, $"{Errors} of {TotalSignIns}"), "0", Errors == 0);
        Row(output, "Crossed identities (whole run)", string.Create(c, $"{CrossedIdentities}"), "0", CrossedIdentities == 0);
        if (IsMiniProgram)
        {
            var perSignIn = TotalSignIns == 0 ? "" : string.Create(c, $" ({(double)SessionExchanges / TotalSignIns:0.000} per sign-in)");
            Row(output, "jscode2session calls (whole run)", string.Create(c, $"{SessionExchanges} for {TotalSignIns} sign-ins{perSignIn}"), "exactly 1 per sign-in", OneSessionExchangePerSignIn);
            Row(output, "App → WeChat TCP connections", string.Create(c, $"{ConnectionsDuringWarmUp} in warm-up, {ConnectionsDuringMeasurement} in window, over {TotalSignIns} sign-ins"), string.Create(c, $"≤ {MaxPooledConnections} (1 pool), not growing"), ConnectionsPooled);
        }
        else
        {
            Row(output, "Global token fetches (stable_token, whole run)", string.Create(c, $"{TokenFetches} for {FollowerLookups} follower lookups by {Options.Users} users"), "1 per 7,200 s window", OneTokenPerWindow);
            Row(output, "App → WeChat TCP connections", string.Create(c, $"{ConnectionsDuringWarmUp} in warm-up, {ConnectionsDuringMeasurement} in window, over {TotalSignIns} sign-ins"), string.Create(c, $"≤ {MaxPooledConnections} (2 pools + the token fetch), not growing"), ConnectionsPooled);
        }
        if (measured)
        {
            var appShare = AppCpuTime is { } cpu ? string.Create(c, $"{cpu.TotalSeconds / (MeasuredTime.TotalSeconds * Environment.ProcessorCount):P0}") : "unknown (the sample had exited)";
            output.WriteLine(string.Create(c, $"Driver and WeChat fake CPU in the window: {DriverCpuTime.TotalSeconds:0.00} s ({DriverCpuTime.TotalMilliseconds / Math.Max(1, MeasuredSignIns):0.000} ms per sign-in); the app's share of the machine: {appShare}."));
            output.WriteLine(string.Create(c, $"Lines the sample logged in the window: {SampleLogLinesDuringMeasurement}."));
        }

        if (StoppedEarly is not null)
        {
            output.WriteLine(string.Create(c, $"Sign-ins under way at the stop, abandoned and counted neither as done nor as failed: {AbandonedSignIns}."));
        }

        foreach (var failure in FirstFailures)
        {
            output.WriteLine("Failure: " + failure);
        }
    }

    public static double Percentile(IReadOnlyList<double> sorted, double percentile)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static void Row(TextWriter output, string measure, string value, string target, bool met)
        => Row(output, measure, value, target, met ? "yes" : "**no**");

    private static void Row(TextWriter output, string measure, string value, string target, string met)
        => output.WriteLine($"| {measure} | {value} | {target} | {met} |");
}
