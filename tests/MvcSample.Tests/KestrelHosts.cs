using System.Net;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MvcSample.Tests;

/// <summary>
/// Real Kestrel hosts on free 127.0.0.1 ports: the sample, and a standalone WeChat-compatible server.
/// </summary>
public static class KestrelHosts
{
    public const string EmulatorSecret = "EmulatorAppSecret_for_tests_0123456789";

    public const string EmulatorMiniProgramSecret = "EmulatorMiniProgramSecret_for_tests_0123";

    /// <summary>The sample on Kestrel; returns the factory (to dispose) and its base address.</summary>
    public static (WebApplicationFactory<Program> Factory, Uri Address) StartSample(string environment, IDictionary<string, string?>? settings = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                builder.UseSetting(key, value);
            }
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        return (factory, Address(factory.Services));
    }

    /// <summary>
    /// A WeChat-compatible server of its own, as a team would run the emulator next to a staging app: WeChat's paths
    /// at the root, a known AppSecret, allowed outside Development on purpose.
    /// </summary>
    public static Task<(WebApplication App, Uri Address)> StartStandaloneEmulatorAsync(Action<WeChatEmulatorOptions>? configure = null)
        => StartStandaloneEmulatorAsync(null, configure);

    /// <summary>The emulator on its own loopback port, on <paramref name="time"/>'s clock when one is given.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartStandaloneEmulatorAsync(TimeProvider? time, Action<WeChatEmulatorOptions>? configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddWeChatEmulator(o =>
        {
            o.AllowOutsideDevelopment = true;
            o.PathPrefix = "/";
            o.AppSecret = EmulatorSecret;
            o.MiniProgramAppSecret = EmulatorMiniProgramSecret;
            // WeChat's web authorization domains: the hosts the tests' apps run on.
            o.RedirectDomains.Add("127.0.0.1");
            o.RedirectDomains.Add("localhost");
            o.RedirectDomains.Add("app.example");
            configure?.Invoke(o);
        });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        var app = builder.Build();
        app.MapWeChatEmulator();
        await app.StartAsync();
        return (app, Address(app.Services));
    }

    private static Uri Address(IServiceProvider services)
        => new(services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
}
