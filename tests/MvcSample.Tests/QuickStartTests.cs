using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace MvcSample.Tests;

/// <summary>
/// README's quick start, followed as a new user follows it: the packages packed locally, a fresh <c>dotnet new mvc</c>
/// app, README's <c>Program.cs</c> and <c>appsettings.json</c> as written, then a sign-in against the emulator in
/// Development, a refusal and a sign-out. It runs alone (it builds), in the load smoke test's collection.
/// </summary>
[Collection(nameof(LoadDriverSmokeTests))]
public sealed partial class QuickStartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("wechat-quickstart");

    [Fact]
    public async Task New_apps_that_follow_the_README_sign_in_against_the_emulator_in_a_browser_by_QR_code_and_in_a_mini_program()
    {
        var root = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var feed = Path.Combine(_work.FullName, "feed");
        var app = Path.Combine(_work.FullName, "QuickStartApp");
        var version = "0.1.0-quickstart." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

        // The packages, packed into a local feed, with a version of their own and outputs apart from the repository's.
        foreach (var project in new[] { "AspNetCore.Authentication.WeChat", "AspNetCore.Authentication.WeChat.Emulator" })
        {
            await RunAsync(root, "pack", Path.Combine(root, "src", project, project + ".csproj"), "-c", "Release", "-o", feed,
                $"-p:Version={version}", "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(_work.FullName, "artifacts")}");
        }

        // A new app, restoring from that feed only.
        await RunAsync(_work.FullName, "new", "mvc", "-o", app, "-n", "QuickStartApp", "--no-restore");
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await RunAsync(app, "add", "package", "AspNetCore.Authentication.WeChat", "--version", version);
        await RunAsync(app, "add", "package", "AspNetCore.Authentication.WeChat.Emulator", "--version", version);

        // README, as written.
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Block(readme, "<!-- quick start: Program.cs"));
        await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), Block(readme, "<!-- quick start: appsettings.json"));
        await RunAsync(app, "build", "-c", "Release");

        var port = FreePort();
        using var process = Start(app, Path.Combine(app, "bin", "Release", "net10.0", "QuickStartApp.dll"), port);
        try
        {
            var address = new Uri($"http://127.0.0.1:{port}/");
            await WaitUntilListeningAsync(port, process);
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            using var browser = new HttpClient(handler) { BaseAddress = address };

            // Sign in: the protected page challenges, the emulator's consent page, "Allow", the callback, the page.
            var authorize = (await browser.GetAsync("/")).Headers.Location!;
            Assert.StartsWith($"http://127.0.0.1:{port}/wechat-emulator/connect/oauth2/authorize?appid=", authorize.ToString(), StringComparison.Ordinal);
            Assert.Contains("WeChat Emulator 示例公众号", await browser.GetStringAsync(authorize), StringComparison.Ordinal);
            var callback = await ConsentAsync(browser, authorize, "allow");
            var signedIn = await browser.GetAsync(callback);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("Hello 小明 😀 (oEmu_XiaoMing_6bmasdsad6_2sgVt7hM)", await browser.GetStringAsync("/"));

            // Sign out, then refuse: the failure page gets the kind, never the message.
            Assert.Equal("/", (await browser.PostAsync("/signout", null)).Headers.Location!.OriginalString);
            var refused = await browser.GetAsync(await ConsentAsync(browser, (await browser.GetAsync("/")).Headers.Location!, "refuse"));
            Assert.Equal("/signin-failed?kind=AccessDenied", refused.Headers.Location!.OriginalString);
            Assert.Equal("You declined to sign in with WeChat.", await browser.GetStringAsync(refused.Headers.Location));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await MiniProgramBackEndAsync(readme, feed, version);
        await QrLoginAppAsync(readme, version);
    }

    /// <summary>
    /// README's QR Program.cs in a new <c>dotnet new web</c> app: a desktop browser signs in with the QR code, WeChat's
    /// browser with the official account, both as the same person (the unionid), and the embedded QR code is there.
    /// </summary>
    private async Task QrLoginAppAsync(string readme, string version)
    {
        var app = await NewWebAppAsync("QrLoginApp", Block(readme, "<!-- quick start: QR Program.cs"), version);

        var port = FreePort();
        using var process = Start(app, Path.Combine(app, "bin", "Release", "net10.0", "QrLoginApp.dll"), port);
        try
        {
            await WaitUntilListeningAsync(port, process);
            var address = new Uri($"http://127.0.0.1:{port}/");

            async Task<string> SignInAsync(string userAgent, string page)
            {
                using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
                using var browser = new HttpClient(handler) { BaseAddress = address };
                browser.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
                var link = (await browser.GetAsync("/")).Headers.Location!;
                Assert.StartsWith($"http://127.0.0.1:{port}/wechat-emulator/connect/{page}?appid=", link.ToString(), StringComparison.Ordinal);
                var signedIn = await browser.GetAsync(await ConsentAsync(browser, link, "allow"));
                Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
                if (page == "qrconnect")
                {
                    var embedded = await browser.GetAsync("/signin-wechat-qrconnect/embedded?returnUrl=%2F");
                    Assert.Equal(HttpStatusCode.OK, embedded.StatusCode);
                    Assert.Contains("\"scope\":\"snsapi_login\"", await embedded.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }

                return await browser.GetStringAsync("/");
            }

            Assert.Equal("Hello 小明 😀 (uEmu_XiaoMing_o6_bmasdasdsad6_2sg via WeChatQrConnect)", await SignInAsync(UserAgents.Chrome, "qrconnect"));
            Assert.Equal("Hello 小明 😀 (uEmu_XiaoMing_o6_bmasdasdsad6_2sg via WeChat)", await SignInAsync(UserAgents.WeChatIos, "oauth2/authorize"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A new <c>dotnet new web</c> app with both packages from the local feed and <paramref name="program"/>, built.</summary>
    private async Task<string> NewWebAppAsync(string name, string program, string version)
    {
        var app = Path.Combine(_work.FullName, name);
        await RunAsync(_work.FullName, "new", "web", "-o", app, "-n", name, "--no-restore");
        File.Copy(Path.Combine(_work.FullName, "QuickStartApp", "nuget.config"), Path.Combine(app, "nuget.config"));
        await RunAsync(app, "add", "package", "AspNetCore.Authentication.WeChat", "--version", version);
        await RunAsync(app, "add", "package", "AspNetCore.Authentication.WeChat.Emulator", "--version", version);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        await RunAsync(app, "build", "-c", "Release");
        return app;
    }

    /// <summary>README's mini-program Program.cs in a new <c>dotnet new web</c> app, signed in as a mini-program would.</summary>
    private async Task MiniProgramBackEndAsync(string readme, string feed, string version)
    {
        var app = await NewWebAppAsync("MiniProgramApp", Block(readme, "<!-- quick start: mini-program Program.cs"), version);

        var port = FreePort();
        using var process = Start(app, Path.Combine(app, "bin", "Release", "net10.0", "MiniProgramApp.dll"), port);
        try
        {
            await WaitUntilListeningAsync(port, process);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

            // wx.login, as README's curl does it, then the sign-in and the API with the bearer token.
            var login = await client.PostAsync("/wechat-emulator/miniprogram/login", new StringContent("""{"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            using var code = System.Text.Json.JsonDocument.Parse(await login.Content.ReadAsStringAsync());
            var signIn = await client.PostAsync("/signin-wechat-miniprogram", new StringContent(
                $$"""{"code":"{{code.RootElement.GetProperty("code").GetString()}}"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            using var tokens = System.Text.Json.JsonDocument.Parse(await signIn.Content.ReadAsStringAsync());
            using var orders = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
            orders.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.RootElement.GetProperty("accessToken").GetString());
            var answer = await client.SendAsync(orders);

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal($$"""{"openid":"{{code.RootElement.GetProperty("miniProgramOpenId").GetString()}}"}""", await answer.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/orders")).StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temporary folder is the system's to clean.
        }
    }

    private static async Task<Uri> ConsentAsync(HttpClient browser, Uri authorize, string decision)
    {
        var consent = await browser.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = authorize.Query, ["user"] = "0", ["decision"] = decision,
        }));
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        return consent.Headers.Location!;
    }

    /// <summary>The code block that follows <paramref name="marker"/> in README.</summary>
    private static string Block(string readme, string marker)
    {
        var start = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no '{marker}' block");
        var match = CodeBlock().Match(readme, start);
        Assert.True(match.Success, $"README has no code block after '{marker}'");
        return match.Groups["code"].Value;
    }

    private async Task RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Packages from the local feed land in a cache of this test's own, never in the user's.
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took more than {CommandTimeout}");
        }

        output.WriteLine($"dotnet {string.Join(' ', arguments)}: exit {process.ExitCode}");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{await stdout}\n{await stderr}");
    }

    private static Process Start(string directory, string dll, int port)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilListeningAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "the new app exited at start-up");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WeChatAuthentication.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (WeChatAuthentication.sln) was not found.");
    }

    [GeneratedRegex("```\\w*\\n(?<code>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
