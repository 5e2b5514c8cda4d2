using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// A mini-program sign-in, one request: <c>POST /signin-wechat-miniprogram {"code"}</c> → <c>jscode2session</c> faked in
/// memory at the backchannel → the session_key stored → the framework's bearer tokens. Compare it with the
/// official-account callbacks of <see cref="SignInBenchmarks"/> in the same run.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(Invocations)]
public class MiniProgramSignInBenchmarks
{
    // Codes are single use (a repeat within the window is answered from the first exchange): fresh ones per iteration.
    private const int Invocations = 4096;
    private const string FloorPath = "/bearer-floor";

    private readonly Queue<byte[]> _codes = new(Invocations);
    private WebApplication _app = null!;
    private InMemoryServer _server = null!;
    private int _next;

    [GlobalSetup]
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IServer, InMemoryServer>();
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication(WeChatMiniProgramDefaults.BearerScheme).AddWeChatMiniProgram(o =>
        {
            o.AppId = "wxa1b2c3d4e5f60718";
            o.AppSecret = "0123456789abcdef0123456789abcdef";
            o.Backchannel = new HttpClient(Fakes.MiniProgram());
        });
        _app = builder.Build();
        _app.MapWeChatMiniProgramSignIn();

        // The framework's floor for "JSON in, bearer tokens out": what MapIdentityApi's /login does once the password
        // is checked (its PBKDF2 hash, 100,000 iterations, would dwarf everything else): read the body, sign a
        // principal in with the same bearer-token scheme.
        _app.MapPost(FloorPath, async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            var user = body.RootElement.GetProperty("code").GetString()!;
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user), new Claim(WeChatClaimTypes.OpenId, user)], WeChatMiniProgramDefaults.AuthenticationType);
            await context.SignInAsync(WeChatMiniProgramDefaults.BearerScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        });
        await _app.StartAsync().ConfigureAwait(false);
        _server = (InMemoryServer)_app.Services.GetRequiredService<IServer>();

        // The path works before it is timed.
        Prepare(2);
        await MiniProgramSignIn().ConfigureAwait(false);
        await BearerSignInFloor().ConfigureAwait(false);
    }

    [GlobalCleanup]
    public ValueTask StopAsync() => _app.DisposeAsync();

    [IterationSetup]
    public void PrepareCodes() => Prepare(Invocations);

    [Benchmark(Baseline = true)]
    public async Task<int> BearerSignInFloor()
    {
        var response = await _server.PostJsonAsync(FloorPath, _codes.Dequeue()).ConfigureAwait(false);
        return response.StatusCode == 200 ? 200 : throw new InvalidOperationException($"Expected 200 with bearer tokens, got {response.StatusCode}.");
    }

    [Benchmark]
    public async Task<int> MiniProgramSignIn()
    {
        var response = await _server.PostJsonAsync(WeChatMiniProgramDefaults.SignInPath, _codes.Dequeue()).ConfigureAwait(false);
        return response.StatusCode == 200 ? 200 : throw new InvalidOperationException($"Expected 200 with bearer tokens, got {response.StatusCode}.");
    }

    /// <summary>Runs the sign-in <paramref name="count"/> times, for a profiler.</summary>
    internal static async Task ProfileAsync(int count)
    {
        var benchmark = new MiniProgramSignInBenchmarks();
        await benchmark.StartAsync().ConfigureAwait(false);
        for (var done = 0; done < count; done += Invocations)
        {
            benchmark.PrepareCodes();
            for (var i = 0; i < Math.Min(Invocations, count - done); i++)
            {
                await benchmark.MiniProgramSignIn().ConfigureAwait(false);
            }
        }

        await benchmark.StopAsync().ConfigureAwait(false);
    }

    private void Prepare(int count)
    {
        _codes.Clear();
        for (var i = 0; i < count; i++)
        {
            _codes.Enqueue(Encoding.UTF8.GetBytes($$"""{"code":"benchcode{{_next++:D23}}"}"""));
        }
    }
}
