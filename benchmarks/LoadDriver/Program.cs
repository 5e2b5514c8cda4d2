using System.Runtime.InteropServices;

namespace LoadDriver;

/// <summary>
/// Complete WeChat sign-ins against the MVC sample for a fixed time; see docs/benchmarks.md.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Ctrl+C and SIGTERM stop the run and report what was measured; a second one quits at once.
        using var interruption = new Interruption();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, interruption.Handle);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, interruption.Handle);
        return await RunAsync(args, Console.Out, Console.Error, interruption).ConfigureAwait(false);
    }

    /// <summary>The whole run, from the arguments to the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Interruption interruption)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(interruption);
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        LoadReport report;
        try
        {
            report = await LoadRun.RunAsync(options, output, interruption).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interruption.Token.IsCancellationRequested)
        {
            await output.WriteLineAsync($"Stopped early ({interruption.Reason}) while starting the sample: nothing measured.").ConfigureAwait(false);
            return interruption.ExitCode;
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        report.WriteTo(output);

        // An interrupted run says so in its exit code. Otherwise speed targets are reported; a failed or crossed
        // sign-in fails the run.
        return report.StoppedEarly is not null ? interruption.ExitCode : report.IsCorrect ? 0 : 1;
    }
}
