using System.Globalization;

namespace LoadDriver;

/// <summary>
/// What one load run does: which sign-in, how many virtual users, for how long.
/// </summary>
internal sealed record LoadOptions
{
    /// <summary>Which sign-in each virtual user repeats: the browser's (the default) or the mini-program's.</summary>
    public LoadFlow Flow { get; init; } = LoadFlow.Web;

    /// <summary>Virtual users, each doing complete sign-ins one after another as a fresh browser.</summary>
    public int Users { get; init; } = 64;

    /// <summary>Sign-ins before the measured window, so the JIT reaches steady state (15–40 s on 2 cores).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The measured window.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Parses <c>--flow web|miniprogram --users N --warmup SECONDS --duration SECONDS</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a value out of range, with what to write instead.</exception>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value. Usage: {Usage}");
            }

            var value = args[++i];
            options = name switch
            {
                "--flow" => options with { Flow = FlowNamed(value) },
                "--users" => options with { Users = Number(name, value, min: 1, max: 10_000) },
                "--warmup" => options with { WarmUp = TimeSpan.FromSeconds(Number(name, value, min: 0, max: 3600)) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(name, value, min: 1, max: 3600)) },
                _ => throw new ArgumentException($"Unknown option '{name}'. Usage: {Usage}"),
            };
        }

        return options;
    }

    public const string Usage = "LoadDriver [--flow web|miniprogram] [--users 64] [--warmup 30] [--duration 20]   (seconds)";

    /// <summary>The name <c>--flow</c> takes for a flow, as the report shows it.</summary>
    public static string NameOf(LoadFlow flow) => flow == LoadFlow.MiniProgram ? "miniprogram" : "web";

    // Exact lower-case names only: one spelling in the docs, the commands and the report.
    private static LoadFlow FlowNamed(string value)
        => value switch
        {
            "web" => LoadFlow.Web,
            "miniprogram" => LoadFlow.MiniProgram,
            _ => throw new ArgumentException($"--flow must be web or miniprogram, not '{value}'. Usage: {Usage}"),
        };

    private static int Number(string name, string value, int min, int max)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{value}'. Usage: {Usage}");
}
