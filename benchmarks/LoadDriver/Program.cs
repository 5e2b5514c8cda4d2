namespace LoadDriver;

/// <summary>
/// Complete WeChat sign-ins against the MVC sample for a fixed time; see docs/benchmarks.md.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        var report = await LoadRun.RunAsync(options, Console.Out).ConfigureAwait(false);
        Console.WriteLine();
        report.WriteTo(Console.Out);

        // Speed targets are reported; a failed or crossed sign-in fails the run.
        return report.IsCorrect ? 0 : 1;
    }
}
