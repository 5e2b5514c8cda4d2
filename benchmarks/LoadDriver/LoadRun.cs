using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace LoadDriver;

/// <summary>
/// Starts a WeChat-compatible fake and the sample, runs the virtual users through a warm-up and a measured window,
/// stops everything, and reports.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log)
    {
        var appSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
        await using var weChat = await FakeWeChatServer.StartAsync(appSecret).ConfigureAwait(false);
        using var sample = await SampleProcess.StartAsync(weChat, appSecret, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sample (pid {sample.ProcessId}) at {sample.Address}; WeChat fake: browser {weChat.BrowserOrigin}, API {weChat.BackchannelOrigin}"));

        // One connection pool for every virtual user, like a crowd of browsers behind one proxy: the driver's own
        // connections must not be what is measured.
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var flow = new SignInFlow(client, sample.Address, weChat.BrowserOrigin, weChat.Emulator);
        var window = new MeasurementWindow();
        var failures = new LoadFailures();
        var users = Enumerable.Range(0, options.Users).Select(_ => new VirtualUser(flow, window, failures)).ToArray();

        using var stop = new CancellationTokenSource();
        var running = users.Select(u => Task.Run(() => u.RunAsync(stop.Token))).ToArray();
        long connectionsAtStart, connectionsAtEnd;
        int logLinesAtStart, logLinesAtEnd;
        TimeSpan cpuAtStart, cpuAtEnd, driverCpuAtStart, driverCpuAtEnd, measured;
        try
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Warming up for {options.WarmUp.TotalSeconds:0} s with {options.Users} users…"));
            await Task.Delay(options.WarmUp).ConfigureAwait(false);

            cpuAtStart = sample.CpuTime;
            driverCpuAtStart = CurrentProcessCpu();
            connectionsAtStart = weChat.BackchannelConnections;
            logLinesAtStart = sample.OutputLines;
            var started = Stopwatch.GetTimestamp();
            window.Open();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Measuring for {options.Duration.TotalSeconds:0} s…"));
            await Task.Delay(options.Duration).ConfigureAwait(false);
            window.Close();
            measured = Stopwatch.GetElapsedTime(started);
            cpuAtEnd = sample.CpuTime;
            driverCpuAtEnd = CurrentProcessCpu();
            connectionsAtEnd = weChat.BackchannelConnections;
            logLinesAtEnd = sample.OutputLines;
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
            MeasuredSignIns = latencies.Length,
            MeasuredTime = measured,
            P50Milliseconds = LoadReport.Percentile(latencies, 50),
            P95Milliseconds = LoadReport.Percentile(latencies, 95),
            P99Milliseconds = LoadReport.Percentile(latencies, 99),
            MaxMilliseconds = latencies.Length == 0 ? double.NaN : latencies[^1],
            TotalSignIns = users.Sum(u => u.SignIns),
            Errors = users.Sum(u => u.Errors),
            CrossedIdentities = users.Sum(u => u.CrossedIdentities),
            FirstFailures = failures.First,
            AppCpuTime = cpuAtEnd - cpuAtStart,
            DriverCpuTime = driverCpuAtEnd - driverCpuAtStart,
            ConnectionsDuringWarmUp = connectionsAtStart,
            ConnectionsDuringMeasurement = connectionsAtEnd - connectionsAtStart,
            SampleLogLinesDuringMeasurement = logLinesAtEnd - logLinesAtStart,
        };
    }

    private static TimeSpan CurrentProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
