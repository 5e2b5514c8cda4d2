using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace LoadDriver;

/// <summary>
/// Starts a WeChat-compatible fake and the sample, runs the virtual users through a warm-up and a measured window,
/// stops everything, and reports. An interruption ends the run early, with a report of what was measured so far.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log, Interruption? interruption = null)
    {
        var interrupted = interruption?.Token ?? CancellationToken.None;
        var appSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var miniProgramAppSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var miniProgram = options.Flow == LoadFlow.MiniProgram;
        await using var weChat = await FakeWeChatServer.StartAsync(appSecret, miniProgramAppSecret).ConfigureAwait(false);
        // The mini-program sign-in is on only in its own flow: a web run measures the app it always measured.
        using var sample = await SampleProcess.StartAsync(weChat, appSecret, miniProgram ? miniProgramAppSecret : null, TimeSpan.FromSeconds(60), interrupted).ConfigureAwait(false);
        // A second Ctrl+C ends the process at once: the sample goes first, by its pid.
        using var killOnForcedExit = (interruption?.Forced ?? CancellationToken.None).Register(sample.Kill);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sample (pid {sample.ProcessId}) at {sample.Address}; WeChat fake: browser {weChat.BrowserOrigin}, API {weChat.BackchannelOrigin}; flow: {LoadOptions.NameOf(options.Flow)}"));

        // One connection pool for every virtual user, like a crowd of browsers behind one proxy: the driver's own
        // connections must not be what is measured.
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        ISignInFlow flow = miniProgram
            ? new MiniProgramSignInFlow(client, sample.Address, weChat.Emulator)
            : new SignInFlow(client, sample.Address, weChat.BrowserOrigin, weChat.Emulator);
        var window = new MeasurementWindow();
        var failures = new LoadFailures();
        var users = Enumerable.Range(0, options.Users).Select(_ => new VirtualUser(flow, window, failures)).ToArray();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        var running = users.Select(u => Task.Run(() => u.RunAsync(stop.Token, interrupted))).ToArray();
        Snapshot atStart, atEnd;
        TimeSpan measured;
        StoppedEarly? stoppedEarly = null;
        try
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Warming up for {options.WarmUp.TotalSeconds:0} s with {options.Users} users…"));
            var warmUpStarted = Stopwatch.GetTimestamp();
            if (!await WaitAsync(options.WarmUp, interrupted).ConfigureAwait(false))
            {
                stoppedEarly = new StoppedEarly(interruption!.Reason!, DuringWarmUp: true, Stopwatch.GetElapsedTime(warmUpStarted));
                atStart = atEnd = Snapshot.Take(sample, weChat);
                measured = TimeSpan.Zero;
            }
            else
            {
                atStart = Snapshot.Take(sample, weChat);
                var started = Stopwatch.GetTimestamp();
                window.Open();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Measuring for {options.Duration.TotalSeconds:0} s…"));
                var completed = await WaitAsync(options.Duration, interrupted).ConfigureAwait(false);
                window.Close();
                measured = Stopwatch.GetElapsedTime(started);
                atEnd = Snapshot.Take(sample, weChat);
                if (!completed)
                {
                    stoppedEarly = new StoppedEarly(interruption!.Reason!, DuringWarmUp: false, measured);
                }
            }

            if (stoppedEarly is not null)
            {
                log.WriteLine($"Stopping ({stoppedEarly.Reason}; again to quit at once)…");
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
        }

        if (failures.First.Count > 0)
        {
            log.WriteLine($"The sample's last output lines:{Environment.NewLine}{string.Join(Environment.NewLine, sample.Output.Split('\n').TakeLast(20))}");
        }

        var latencies = users.SelectMany(u => u.MeasuredLatencies).Order().ToArray();
        return new LoadReport
        {
            Options = options,
            StoppedEarly = stoppedEarly,
            MeasuredSignIns = latencies.Length,
            MeasuredTime = measured,
            P50Milliseconds = LoadReport.Percentile(latencies, 50),
            P95Milliseconds = LoadReport.Percentile(latencies, 95),
            P99Milliseconds = LoadReport.Percentile(latencies, 99),
            MaxMilliseconds = latencies.Length == 0 ? double.NaN : latencies[^1],
            TotalSignIns = users.Sum(u => u.SignIns),
            Errors = users.Sum(u => u.Errors),
            CrossedIdentities = users.Sum(u => u.CrossedIdentities),
            AbandonedSignIns = users.Sum(u => u.Abandoned),
            FirstFailures = failures.First,
            AppCpuTime = atEnd.AppCpu - atStart.AppCpu,
            DriverCpuTime = atEnd.DriverCpu - atStart.DriverCpu,
            ConnectionsDuringWarmUp = atStart.Connections,
            ConnectionsDuringMeasurement = atEnd.Connections - atStart.Connections,
            SampleLogLinesDuringMeasurement = atEnd.LogLines - atStart.LogLines,
            TokenFetches = weChat.Emulator.GetCallCount("/cgi-bin/stable_token"),
            FollowerLookups = weChat.Emulator.GetCallCount("/cgi-bin/user/info"),
            SessionExchanges = weChat.Emulator.GetCallCount("/sns/jscode2session"),
        };
    }

    /// <summary>Waits for the phase to end; false if the run was interrupted first.</summary>
    private static async Task<bool> WaitAsync(TimeSpan phase, CancellationToken interrupted)
    {
        var delay = Task.Delay(phase, interrupted);
        await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return delay.IsCompletedSuccessfully;
    }

    /// <summary>The counters read at each end of the measured window.</summary>
    /// <param name="AppCpu">The sample's CPU time; null once it has exited (a terminal's Ctrl+C reaches it too).</param>
    private readonly record struct Snapshot(TimeSpan? AppCpu, TimeSpan DriverCpu, long Connections, int LogLines)
    {
        public static Snapshot Take(SampleProcess sample, FakeWeChatServer weChat)
            => new(sample.CpuTime, CurrentProcessCpu(), weChat.BackchannelConnections, sample.OutputLines);
    }

    private static TimeSpan CurrentProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
