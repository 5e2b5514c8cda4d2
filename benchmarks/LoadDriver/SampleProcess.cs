using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace LoadDriver;

/// <summary>
/// The MVC sample as its own process on a free loopback port, in Production, configured for a WeChat-compatible server:
/// a process of its own so that its CPU time can be read alone from /proc.
/// </summary>
internal sealed partial class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _outputLines;

    private SampleProcess(Process process)
    {
        _process = process;
    }

    public Uri Address { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>
    /// The process's user plus system CPU time (utime + stime in /proc/[pid]/stat); null once it has exited, as it does
    /// when a terminal's Ctrl+C reaches it along with the driver.
    /// </summary>
    public TimeSpan? CpuTime
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                // Exited: nothing is left to read.
                return null;
            }
        }
    }

    /// <param name="weChat">The WeChat fake the sample is pointed at.</param>
    /// <param name="appSecret">The official account's AppSecret.</param>
    /// <param name="miniProgramAppSecret">
    /// The mini-program's AppSecret, to turn the sample's mini-program sign-in on; null leaves it off (as in Production
    /// without a mini-program AppId), so a web run measures the same app as before there was a mini-program flow.
    /// </param>
    /// <param name="timeout">How long the sample may take to listen.</param>
    /// <param name="cancellationToken">Stops waiting (Ctrl+C).</param>
    public static async Task<SampleProcess> StartAsync(FakeWeChatServer weChat, string appSecret, string? miniProgramAppSecret, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var assembly = Metadata("SampleAssembly");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"The sample is not built at {assembly}. Build it first: dotnet build -c Release samples/MvcSample");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", assembly, "--urls", "http://127.0.0.1:0" },
            // The content root, for wwwroot.
            WorkingDirectory = Metadata("SampleDirectory"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // The driver is one client signing in thousands of times a second: lift the sample's per-address limit.
        start.Environment["SignInRateLimit__PermitsPerMinute"] = "0";
        start.Environment["Authentication__WeChat__AppId"] = FakeWeChatServer.AppId;
        start.Environment["Authentication__WeChat__AppSecret"] = appSecret;
        start.Environment["Authentication__WeChat__AuthorizationEndpoint"] = new Uri(weChat.BrowserOrigin, "/connect/oauth2/authorize").ToString();
        start.Environment["Authentication__WeChat__TokenEndpoint"] = new Uri(weChat.BackchannelOrigin, "/sns/oauth2/access_token").ToString();
        start.Environment["Authentication__WeChat__UserInformationEndpoint"] = new Uri(weChat.BackchannelOrigin, "/sns/userinfo").ToString();
        // The profile page asks whether the user follows the account, with the account's global token.
        start.Environment["WeChat__AccessToken__StableTokenEndpoint"] = new Uri(weChat.BackchannelOrigin, "/cgi-bin/stable_token").ToString();
        start.Environment["WeChat__Api__UserInfoEndpoint"] = new Uri(weChat.BackchannelOrigin, "/cgi-bin/user/info").ToString();
        if (miniProgramAppSecret is not null)
        {
            // The sample turns its mini-program sign-in on in Production when it has an AppId. Every endpoint points at
            // the fake, so nothing the sign-in or its APIs call can leave the machine.
            start.Environment["Authentication__WeChatMiniProgram__AppId"] = FakeWeChatServer.MiniProgramAppId;
            start.Environment["Authentication__WeChatMiniProgram__AppSecret"] = miniProgramAppSecret;
            start.Environment["Authentication__WeChatMiniProgram__SessionEndpoint"] = new Uri(weChat.BackchannelOrigin, "/sns/jscode2session").ToString();
            start.Environment["Authentication__WeChatMiniProgram__PhoneNumberEndpoint"] = new Uri(weChat.BackchannelOrigin, "/wxa/business/getuserphonenumber").ToString();
            start.Environment["Authentication__WeChatMiniProgram__CheckSessionEndpoint"] = new Uri(weChat.BackchannelOrigin, "/wxa/checksession").ToString();
            start.Environment["Authentication__WeChatMiniProgram__StableTokenEndpoint"] = new Uri(weChat.BackchannelOrigin, "/cgi-bin/stable_token").ToString();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var sample = new SampleProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => sample.Collect(e.Data, listening);
        process.ErrorDataReceived += (_, e) => sample.Collect(e.Data, listening: null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var exited = process.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != listening.Task)
            {
                throw new InvalidOperationException($"The sample did not start listening within {timeout.TotalSeconds} s. Its output:{Environment.NewLine}{sample.Output}");
            }

            sample.Address = await listening.Task.ConfigureAwait(false);
            return sample;
        }
        catch
        {
            sample.Dispose();
            throw;
        }
    }

    /// <summary>How many lines the sample has written to stdout and stderr.</summary>
    public int OutputLines
    {
        get
        {
            lock (_output)
            {
                return _outputLines;
            }
        }
    }

    /// <summary>What the sample wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>Stops the process by its pid, whatever happened, and waits for it to exit.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void Collect(string? line, TaskCompletionSource<Uri>? listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            _outputLines++;
        }

        if (listening is not null && ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    private static string Metadata(string key)
        => typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
