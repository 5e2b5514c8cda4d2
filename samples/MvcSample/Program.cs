using AspNetCore.Authentication.WeChat;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.WebEncoders;
using MvcSample.Models;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddControllersWithViews();
// Chinese text stays readable in the HTML source instead of becoming numeric entities; Razor still encodes markup.
builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
builder.Services.AddSingleton<SignInFailureMessages>();

builder.Services
    .AddAuthentication(options =>
    {
        options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        options.DefaultChallengeScheme = WeChatAuthenticationDefaults.AuthenticationScheme;
    })
    .AddCookie(options =>
    {
        options.Cookie.Name = "MvcSample.Auth";
        // Works on plain http as well as https: Secure follows the request, and Lax survives WeChat's top-level
        // redirect back to the app.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    })
    .AddWeChat(options =>
    {
        builder.Configuration.GetSection("Authentication:WeChat").Bind(options);
        options.AccessDeniedPath = "/Account/AccessDenied";
        options.Events.OnRemoteFailure = SignInFailureMessages.ShowErrorPageAsync;
    });

// With no AppId configured, the Development environment signs in against the built-in WeChat emulator.
// Outside Development the emulator needs WeChatEmulator:AllowOutsideDevelopment=true; without it (and without an
// AppId) the app refuses to start, naming the setting to fix.
var emulatorAllowed = builder.Environment.IsDevelopment() || builder.Configuration.GetValue<bool>("WeChatEmulator:AllowOutsideDevelopment");
if (emulatorAllowed)
{
    builder.Services.AddWeChatEmulator(options => builder.Configuration.GetSection("WeChatEmulator").Bind(options));
}

var app = builder.Build();

// Never a stack trace: unexpected errors and status codes (e.g. 503 when the sign-in state store is down) get pages.
app.UseExceptionHandler("/Home/Error");
app.UseStatusCodePagesWithReExecute("/Home/Status/{0}");
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

if (emulatorAllowed)
{
    app.MapWeChatEmulator();
}

app.MapControllerRoute("default", "{controller=Home}/{action=Index}/{id?}");

await app.RunAsync();

/// <summary>The sample app; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
