using System.Net;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoadDriver;

/// <summary>
/// The WeChat emulator on Kestrel, answering the browser (authorize) on one loopback port and the app's server-to-server
/// calls (token, user info, the mini-program's jscode2session) on another, so the connections the app opens to WeChat
/// can be counted alone.
/// </summary>
internal sealed class FakeWeChatServer : IAsyncDisposable
{
    public const string AppId = "wxe0e0e0e0e0e0e0e0";

    /// <summary>The mini-program's AppID: the emulator's default, named here so the sample is given the same one.</summary>
    public const string MiniProgramAppId = "wxe1e1e1e1e1e1e1e1";

    private readonly WebApplication _app;
    private readonly ListenOptions _browserListener;
    private readonly ListenOptions _backchannelListener;
    private long _backchannelConnections;

    private FakeWeChatServer(WebApplication app, ListenOptions browser, ListenOptions backchannel)
    {
        _app = app;
        _browserListener = browser;
        _backchannelListener = backchannel;
        Emulator = app.Services.GetRequiredService<WeChatEmulator>();
    }

    public WeChatEmulator Emulator { get; }

    /// <summary>Where browsers are sent to authorize.</summary>
    public Uri BrowserOrigin => Origin(_browserListener);

    /// <summary>Where the app exchanges codes (the web's and the mini-program's) and reads profiles.</summary>
    public Uri BackchannelOrigin => Origin(_backchannelListener);

    /// <summary>TCP connections accepted on the backchannel port since start: the ones the app opened to WeChat.</summary>
    public long BackchannelConnections => Interlocked.Read(ref _backchannelConnections);

    /// <param name="appSecret">The official account's AppSecret, which the sample is given too.</param>
    /// <param name="miniProgramAppSecret">The mini-program's AppSecret, likewise.</param>
    public static async Task<FakeWeChatServer> StartAsync(string appSecret, string miniProgramAppSecret)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        // Not the console's host: Ctrl+C and SIGTERM are the driver's to handle, and it stops the fake itself.
        builder.Services.AddSingleton<IHostLifetime>(new InProcessLifetime());
        ListenOptions? browser = null;
        ListenOptions? backchannel = null;
        FakeWeChatServer? server = null;
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => browser = listen);
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                backchannel = listen;
                listen.Use(next => connection =>
                {
                    Interlocked.Increment(ref server!._backchannelConnections);
                    return next(connection);
                });
            });
        });
        builder.Services.AddWeChatEmulator(o =>
        {
            // A load-test fake outside Development, on purpose: every code is a new user, consent is silent.
            o.AllowOutsideDevelopment = true;
            o.PathPrefix = "/";
            o.AppId = AppId;
            o.AppSecret = appSecret;
            // Known to the driver, as the official account's is, so the sample's jscode2session calls are accepted.
            o.MiniProgramAppId = MiniProgramAppId;
            o.MiniProgramAppSecret = miniProgramAppSecret;
            o.SilentAuthorization = true;
            o.DistinctUserPerCode = true;
            // The sample runs on 127.0.0.1: WeChat's web authorization domain (网页授权域名) for this fake.
            o.RedirectDomains.Add("127.0.0.1");
        });
        var app = builder.Build();
        app.MapWeChatEmulator();
        server = new FakeWeChatServer(app, browser!, backchannel!);
        await app.StartAsync().ConfigureAwait(false);
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // Kestrel writes the bound port back into the listen options when it binds port 0.
    private static Uri Origin(ListenOptions listener) => new($"http://127.0.0.1:{listener.IPEndPoint!.Port}");

    /// <summary>A host lifetime that listens to no signal, in place of the console's.</summary>
    private sealed class InProcessLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
