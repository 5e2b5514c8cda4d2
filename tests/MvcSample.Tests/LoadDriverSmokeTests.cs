using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using LoadDriver;
using Xunit.Abstractions;

namespace MvcSample.Tests;

/// <summary>
/// The load driver as a correctness test under concurrency: a few seconds of 32 virtual users doing complete sign-ins
/// (web, then mini-program) against the sample in its own process. Its speed is measured in docs/benchmarks.md, not
/// here. It runs alone, so that its load slows no other test.
/// </summary>
[Collection(nameof(LoadDriverSmokeTests))]
[CollectionDefinition(nameof(LoadDriverSmokeTests), DisableParallelization = true)]
public class LoadDriverSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Thirty_two_concurrent_users_sign_in_for_seconds_each_ending_as_themselves_over_pooled_connections()
    {
        var options = new LoadOptions { Users = 32, WarmUp = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(4) };
        using var log = new StringWriter();

        var report = await LoadRun.RunAsync(options, log);

        report.WriteTo(log);
        output.WriteLine(log.ToString());
        Assert.True(report.TotalSignIns >= 100, $"Only {report.TotalSignIns} sign-ins completed.");
        Assert.True(report.Errors == 0, $"{report.Errors} sign-ins failed: {string.Join(" | ", report.FirstFailures)}");
        Assert.True(report.CrossedIdentities == 0, $"{report.CrossedIdentities} sign-ins ended as another user: {string.Join(" | ", report.FirstFailures)}");
        Assert.True(report.MeasuredSignIns > 0 && !double.IsNaN(report.P99Milliseconds) && report.AppCpuTime > TimeSpan.Zero);

        // The app reaches WeChat over pooled connections, in two pools (the sign-in's backchannel, the follower API's
        // client): about one per concurrent sign-in in each, plus the token fetch, never one per sign-in (thousands here).
        Assert.InRange(report.TotalConnections, 2, report.MaxPooledConnections);
        Assert.Equal(1, report.TokenFetches);
        Assert.InRange(report.FollowerLookups, report.TotalSignIns, report.TotalSignIns + options.Users);
        Assert.True(report.IsCorrect);
        Assert.Null(report.StoppedEarly);
        Assert.DoesNotContain("Partial run", log.ToString(), StringComparison.Ordinal);

        // With production settings a successful sign-in logs nothing: no backchannel request lines (their URLs carry
        // the AppSecret), no "was challenged" line per visitor.
        Assert.Equal(0, report.SampleLogLinesDuringMeasurement);
    }

    [Fact]
    public async Task Thirty_two_concurrent_mini_programs_sign_in_for_seconds_each_ending_as_themselves_with_one_code_exchange_each()
    {
        var options = new LoadOptions { Flow = LoadFlow.MiniProgram, Users = 32, WarmUp = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(4) };
        using var log = new StringWriter();

        var report = await LoadRun.RunAsync(options, log);

        report.WriteTo(log);
        output.WriteLine(log.ToString());
        Assert.True(report.TotalSignIns >= 100, $"Only {report.TotalSignIns} sign-ins completed.");
        Assert.True(report.Errors == 0, $"{report.Errors} sign-ins failed: {string.Join(" | ", report.FirstFailures)}");
        Assert.True(report.CrossedIdentities == 0, $"{report.CrossedIdentities} sign-ins ended as another user: {string.Join(" | ", report.FirstFailures)}");
        Assert.True(report.MeasuredSignIns > 0 && !double.IsNaN(report.P99Milliseconds) && report.AppCpuTime > TimeSpan.Zero);

        // Each code is exchanged with WeChat once: no retry, no second call for the same sign-in.
        Assert.Equal(report.TotalSignIns, report.SessionExchanges);

        // One pool (the sign-in's jscode2session client), about one connection per concurrent sign-in, never one per
        // sign-in; the flow reads no profile and fetches no global token.
        Assert.InRange(report.TotalConnections, 1, report.MaxPooledConnections);
        Assert.Equal(options.Users, report.MaxPooledConnections);
        Assert.Equal(0, report.FollowerLookups);
        Assert.Equal(0, report.TokenFetches);
        Assert.True(report.IsCorrect);
        Assert.Null(report.StoppedEarly);
        var text = log.ToString();
        Assert.Contains("mini-program sign-in (POST /signin-wechat-miniprogram, GET /api/me)", text, StringComparison.Ordinal);
        Assert.Contains($"| jscode2session calls (whole run) | {report.TotalSignIns} for {report.TotalSignIns} sign-ins (1.000 per sign-in) | exactly 1 per sign-in | yes |", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Global token fetches", text, StringComparison.Ordinal);

        // A successful mini-program sign-in logs nothing either: no line carries a code, a session_key or the AppSecret.
        Assert.Equal(0, report.SampleLogLinesDuringMeasurement);
    }

    [Fact]
    public async Task Ctrl_C_in_the_measured_window_stops_the_users_and_the_sample_and_reports_the_figures_so_far_as_partial()
    {
        var log = new ObservedWriter();
        var error = new ObservedWriter();
        using var interruption = new Interruption();
        var run = LoadDriver.Program.RunAsync(["--users", "8", "--warmup", "1", "--duration", "30"], log, error, interruption);

        // Ctrl+C a second into the 30 s window, through the handler Main registers for SIGINT.
        var deadline = Stopwatch.StartNew();
        while (!log.ToString().Contains("Measuring for", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, $"The run ended before its window: {log}{error}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"The window did not open: {log}");
            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var ctrlC = new PosixSignalContext(PosixSignal.SIGINT);
        interruption.Handle(ctrlC);
        var stopping = Stopwatch.StartNew();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(30));
        var stoppedIn = stopping.Elapsed;
        output.WriteLine(log.ToString());
        output.WriteLine(error.ToString());

        // The process goes on, to report; not a stack trace.
        Assert.True(ctrlC.Cancel);
        Assert.Equal(130, exitCode);
        Assert.Equal("", error.ToString());
        Assert.True(stoppedIn < TimeSpan.FromSeconds(10), $"Stopping took {stoppedIn}.");
        var text = log.ToString();
        Assert.Matches(@"\*\*Partial run: stopped early \(Ctrl\+C\) after \d+\.\d s of the 30 s window\.\*\*", text);
        Assert.Contains("| Complete sign-ins per second |", text, StringComparison.Ordinal);
        Assert.Contains("| Errors (whole run) | 0 of ", text, StringComparison.Ordinal);
        Assert.Contains("Sign-ins under way at the stop, abandoned", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);

        // The sample was stopped by its pid before the report: nothing is left running.
        var pid = int.Parse(Regex.Match(text, @"Sample \(pid (\d+)\)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid), $"The sample (pid {pid}) is still running.");
    }

    [Fact]
    public void The_first_signal_asks_the_run_to_stop_and_a_second_lets_the_process_end()
    {
        using var interruption = new Interruption();
        var first = new PosixSignalContext(PosixSignal.SIGTERM);
        var second = new PosixSignalContext(PosixSignal.SIGINT);

        interruption.Handle(first);

        Assert.True(first.Cancel);
        Assert.True(interruption.Token.IsCancellationRequested);
        Assert.False(interruption.Forced.IsCancellationRequested);
        Assert.Equal("SIGTERM", interruption.Reason);
        Assert.Equal(143, interruption.ExitCode);

        interruption.Handle(second);

        Assert.False(second.Cancel);
        Assert.True(interruption.Forced.IsCancellationRequested);
        Assert.Equal("SIGTERM", interruption.Reason);
    }

    [Fact]
    public void Stopped_in_the_warm_up_the_report_says_nothing_was_measured_and_shows_no_speed_figures()
    {
        var report = new LoadReport
        {
            Options = new LoadOptions { Users = 4, WarmUp = TimeSpan.FromSeconds(30) },
            StoppedEarly = new StoppedEarly("Ctrl+C", DuringWarmUp: true, TimeSpan.FromSeconds(2.34)),
            MeasuredSignIns = 0,
            MeasuredTime = TimeSpan.Zero,
            P50Milliseconds = double.NaN,
            P95Milliseconds = double.NaN,
            P99Milliseconds = double.NaN,
            MaxMilliseconds = double.NaN,
            TotalSignIns = 57,
            Errors = 0,
            CrossedIdentities = 0,
            AbandonedSignIns = 4,
            FirstFailures = [],
            AppCpuTime = TimeSpan.Zero,
            DriverCpuTime = TimeSpan.Zero,
            ConnectionsDuringWarmUp = 4,
            ConnectionsDuringMeasurement = 0,
            SampleLogLinesDuringMeasurement = 0,
        };
        using var text = new StringWriter();

        report.WriteTo(text);

        Assert.Contains("**Partial run: stopped early (Ctrl+C) during the warm-up, after 2.3 s of 30 s: nothing measured.**", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("| Errors (whole run) | 0 of 57 |", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sign-ins per second", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_identity_check_tells_a_crossed_sign_in_from_a_correct_one()
    {
        const string Page = "<dl><dt>openid</dt><dd id=\"openid\">oEmuLoad0000000007</dd></dl>";

        Assert.Equal(SignInOutcomeKind.Succeeded, SignInFlow.CheckIdentity(Page, "oEmuLoad0000000007").Kind);
        var crossed = SignInFlow.CheckIdentity(Page, "oEmuLoad0000000008");
        Assert.Equal(SignInOutcomeKind.CrossedIdentity, crossed.Kind);
        Assert.Contains("oEmuLoad0000000008", crossed.Detail, StringComparison.Ordinal);
        Assert.Equal(SignInOutcomeKind.Failed, SignInFlow.CheckIdentity("<h1>Sign in</h1>", "oEmuLoad0000000007").Kind);
    }

    [Fact]
    public void The_mini_program_identity_check_tells_a_crossed_sign_in_from_a_correct_one()
    {
        const string Me = """{"openid":"oEmuMpLoad0000000007","unionid":"uEmuLoad0000000007","appid":"wxe1e1e1e1e1e1e1e1"}""";
        const string AppId = "wxe1e1e1e1e1e1e1e1";

        Assert.Equal(SignInOutcomeKind.Succeeded, MiniProgramSignInFlow.CheckIdentity(Me, "oEmuMpLoad0000000007", "uEmuLoad0000000007", AppId).Kind);
        var crossed = MiniProgramSignInFlow.CheckIdentity(Me, "oEmuMpLoad0000000008", "uEmuLoad0000000008", AppId);
        Assert.Equal(SignInOutcomeKind.CrossedIdentity, crossed.Kind);
        Assert.Contains("oEmuMpLoad0000000008", crossed.Detail, StringComparison.Ordinal);

        // The right openid with another person's unionid is someone else too.
        Assert.Equal(SignInOutcomeKind.CrossedIdentity, MiniProgramSignInFlow.CheckIdentity(Me, "oEmuMpLoad0000000007", "uEmuLoad0000000008", AppId).Kind);
        Assert.Equal(SignInOutcomeKind.CrossedIdentity, MiniProgramSignInFlow.CheckIdentity(Me, "oEmuMpLoad0000000007", null, AppId).Kind);

        // No openid, not JSON, or signed in by another mini-program: failures.
        Assert.Equal(SignInOutcomeKind.Failed, MiniProgramSignInFlow.CheckIdentity("{}", "oEmuMpLoad0000000007", null, AppId).Kind);
        Assert.Equal(SignInOutcomeKind.Failed, MiniProgramSignInFlow.CheckIdentity("<h1>Sign in</h1>", "oEmuMpLoad0000000007", null, AppId).Kind);
        Assert.Equal(SignInOutcomeKind.Failed, MiniProgramSignInFlow.CheckIdentity(Me, "oEmuMpLoad0000000007", "uEmuLoad0000000007", "wxe2e2e2e2e2e2e2e2").Kind);
    }

    [Theory]
    [InlineData("""{"tokenType":"Bearer","accessToken":"a","expiresIn":3600,"refreshToken":"r"}""", "a")]
    [InlineData("""{"tokenType":"bearer","accessToken":"a","expiresIn":3600,"refreshToken":"r"}""", null)]
    [InlineData("""{"tokenType":"Bearer","accessToken":"","expiresIn":3600,"refreshToken":"r"}""", null)]
    [InlineData("""{"tokenType":"Bearer","accessToken":"a","expiresIn":"3600","refreshToken":"r"}""", null)]
    [InlineData("""{"tokenType":"Bearer","accessToken":"a","expiresIn":3600}""", null)]
    [InlineData("[]", null)]
    [InlineData("", null)]
    public void The_sign_in_answer_must_have_the_bearer_token_shape(string body, string? accessToken)
    {
        Assert.Equal(accessToken, MiniProgramSignInFlow.ReadTokens(body));
    }

    [Fact]
    public void The_mini_program_report_counts_code_exchanges_per_sign_in_and_one_pool_of_connections()
    {
        var report = new LoadReport
        {
            Options = new LoadOptions { Flow = LoadFlow.MiniProgram, Users = 4 },
            MeasuredSignIns = 90,
            MeasuredTime = TimeSpan.FromSeconds(1),
            P50Milliseconds = 1,
            P95Milliseconds = 2,
            P99Milliseconds = 3,
            MaxMilliseconds = 4,
            TotalSignIns = 100,
            Errors = 0,
            CrossedIdentities = 0,
            FirstFailures = [],
            AppCpuTime = TimeSpan.FromMilliseconds(20),
            DriverCpuTime = TimeSpan.FromMilliseconds(20),
            ConnectionsDuringWarmUp = 4,
            ConnectionsDuringMeasurement = 0,
            SampleLogLinesDuringMeasurement = 0,
            SessionExchanges = 100,
        };
        using var text = new StringWriter();

        report.WriteTo(text);

        Assert.True(report.IsCorrect);
        Assert.Equal(4, report.MaxPooledConnections);
        Assert.Contains("| jscode2session calls (whole run) | 100 for 100 sign-ins (1.000 per sign-in) | exactly 1 per sign-in | yes |", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("| App → WeChat TCP connections | 4 in warm-up, 0 in window, over 100 sign-ins | ≤ 4 (1 pool), not growing | yes |", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("stable_token", text.ToString(), StringComparison.Ordinal);

        // A second exchange for one sign-in (or a sign-in without one) fails the run, as does a connection too many.
        Assert.False((report with { SessionExchanges = 101 }).IsCorrect);
        Assert.False((report with { SessionExchanges = 99 }).IsCorrect);
        Assert.False((report with { ConnectionsDuringMeasurement = 1 }).IsCorrect);
    }

    [Theory]
    [InlineData("--flow", "mini-program")]
    [InlineData("--flow", "Web")]
    [InlineData("--users", "0")]
    [InlineData("--duration", "abc")]
    [InlineData("--speed", "1")]
    [InlineData("--users")]
    public void Bad_arguments_are_refused_with_the_usage(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(args));

        Assert.Contains(LoadOptions.Usage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_set_users_warm_up_and_duration()
    {
        var options = LoadOptions.Parse(["--users", "8", "--warmup", "0", "--duration", "3"]);

        Assert.Equal(new LoadOptions { Users = 8, WarmUp = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(3) }, options);
        Assert.Equal(LoadFlow.Web, options.Flow);
    }

    [Fact]
    public void The_flow_argument_picks_the_web_or_the_mini_program_sign_in()
    {
        Assert.Equal(LoadFlow.MiniProgram, LoadOptions.Parse(["--flow", "miniprogram"]).Flow);
        Assert.Equal(LoadFlow.Web, LoadOptions.Parse(["--flow", "web"]).Flow);
        Assert.Equal(new LoadOptions { Flow = LoadFlow.MiniProgram, Users = 2 }, LoadOptions.Parse(["--users", "2", "--flow", "miniprogram"]));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A log the test can read while the run writes it from other threads.</summary>
    private sealed class ObservedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}
