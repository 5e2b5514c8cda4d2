using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>
/// An app that signs in with WeChat against <see cref="FakeWeChat"/> (through the package's named HttpClient),
/// with cookie authentication and every log line captured.
/// </summary>
public sealed class WeChatTestHost : IAsyncDisposable
{
    public const string ReturnUrl = "/me?tab=profile";

    private WeChatTestHost(WebApplication app, FakeWeChat fake, CapturingLoggerProvider logs)
    {
        App = app;
        Fake = fake;
        Logs = logs;
    }

    public WebApplication App { get; }

    public FakeWeChat Fake { get; }

    public CapturingLoggerProvider Logs { get; }

    public TestServer Server => (TestServer)App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();

    public static async Task<WeChatTestHost> StartAsync(
        Action<WeChatAuthenticationOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? pipeline = null,
        FakeWeChat? fake = null,
        bool fakeBackchannel = true,
        Action<AuthenticationBuilder>? authentication = null)
    {
        fake ??= new FakeWeChat();
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = WeChatAuthenticationDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddWeChat(o =>
            {
                o.AppId = FakeWeChat.AppId;
                o.AppSecret = FakeWeChat.AppSecret;
                configure?.Invoke(o);
            });
        authentication?.Invoke(builder.Services.AddAuthentication());
        if (fakeBackchannel)
        {
            builder.Services.AddHttpClient(WeChatAuthenticationDefaults.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => fake);
        }

        services?.Invoke(builder.Services);

        var app = builder.Build();
        pipeline?.Invoke(app);
        app.UseAuthentication();
        app.MapGet("/challenge", (HttpContext context) =>
            context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = ReturnUrl }));
        app.MapGet("/challenge/{scheme}", (HttpContext context, string scheme) =>
            context.ChallengeAsync(scheme, new AuthenticationProperties { RedirectUri = ReturnUrl }));
        app.MapGet("/me", async (HttpContext context) =>
        {
            if (context.User.Identity?.IsAuthenticated != true)
            {
                await context.ChallengeAsync();
                return;
            }

            await context.Response.WriteAsJsonAsync(new
            {
                authenticationType = context.User.Identity.AuthenticationType,
                claims = context.User.Claims.Select(c => new[] { c.Type, c.Value }).ToArray(),
                tokens = (await context.AuthenticateAsync()).Properties?.GetTokens().Select(t => new[] { t.Name, t.Value }).ToArray(),
            });
        });
        app.MapGet("/denied", (HttpContext context) => Results.Text("access denied; return " + context.Request.Query["ReturnUrl"]));
        await app.StartAsync();
        return new WeChatTestHost(app, fake, logs);
    }

    public TestBrowser CreateBrowser(string baseAddress = "http://localhost/")
    {
        var client = Server.CreateClient();
        client.BaseAddress = new Uri(baseAddress);
        return new TestBrowser(client);
    }

    /// <summary>Starts a sign-in and returns the authorize URL the browser was sent to.</summary>
    public static async Task<Uri> ChallengeAsync(TestBrowser browser, string path = "/challenge")
    {
        var response = await browser.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>A complete sign-in: challenge, consent at the fake WeChat, callback.</summary>
    public async Task<HttpResponseMessage> SignInAsync(TestBrowser browser, FakeWeChatUser user)
    {
        var authorize = await ChallengeAsync(browser);
        return await browser.GetAsync(Fake.Authorize(authorize, user));
    }

    public static async Task<SignedInUser> GetMeAsync(TestBrowser browser)
    {
        var response = await browser.GetAsync("/me");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var claims = json.RootElement.GetProperty("claims").EnumerateArray().Select(c => new Claim(c[0].GetString()!, c[1].GetString()!)).ToList();
        var tokens = json.RootElement.GetProperty("tokens").ValueKind == JsonValueKind.Array
            ? json.RootElement.GetProperty("tokens").EnumerateArray().ToDictionary(t => t[0].GetString()!, t => t[1].GetString()!)
            : [];
        return new SignedInUser(claims, tokens);
    }

    public static Dictionary<string, string> Query(Uri uri)
        => QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public sealed record SignedInUser(IReadOnlyList<Claim> Claims, IReadOnlyDictionary<string, string> Tokens)
{
    public string? Find(string type) => Claims.FirstOrDefault(c => c.Type == type)?.Value;

    public IEnumerable<string> All(string type) => Claims.Where(c => c.Type == type).Select(c => c.Value);
}
