using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// An app with cookie sign-in, one remote scheme as the challenge scheme and a protected endpoint, served by
/// <see cref="InMemoryServer"/>. The WeChat app and the generic-OAuth baseline differ only in that scheme.
/// </summary>
internal sealed class SignInApp : IAsyncDisposable
{
    public const string ProtectedPath = "/protected";
    public const string SignInCookie = ".AspNetCore.Cookies=";
    public const string AnonymousPath = "/anonymous";

    private readonly WebApplication _app;

    private SignInApp(WebApplication app)
    {
        _app = app;
        Server = (InMemoryServer)app.Services.GetRequiredService<IServer>();
    }

    public InMemoryServer Server { get; }

    public static async Task<SignInApp> StartAsync(string challengeScheme, Action<AuthenticationBuilder> addScheme)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IServer, InMemoryServer>();
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        var authentication = builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = challengeScheme;
            })
            .AddCookie();
        addScheme(authentication);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet(ProtectedPath, () => "signed in").RequireAuthorization();
        app.MapGet(AnonymousPath, () => Results.Redirect(ProtectedPath));
        await app.StartAsync().ConfigureAwait(false);
        return new SignInApp(app);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
