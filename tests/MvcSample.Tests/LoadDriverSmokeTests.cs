using LoadDriver;
using Xunit.Abstractions;

namespace MvcSample.Tests;

/// <summary>
/// The load driver as a correctness test under concurrency: a few seconds of 32 virtual users doing complete sign-ins
/// against the sample in its own process. Its speed is measured in docs/benchmarks.md, not here. It runs alone, so
/// that its load slows no other test.
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

        // The app reaches WeChat over pooled connections: about one per concurrent sign-in (a call that starts just before
        // another's connection is back in the pool opens one more), never one per sign-in (thousands here).
        Assert.InRange(report.TotalConnections, 1, 2 * options.Users);
        Assert.True(report.IsCorrect);

        // With production settings a successful sign-in logs nothing: no backchannel request lines (their URLs carry
        // the AppSecret), no "was challenged" line per visitor.
        Assert.Equal(0, report.SampleLogLinesDuringMeasurement);
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

    [Theory]
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
    }
}
