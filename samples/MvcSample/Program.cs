using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Threading.RateLimiting;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.WebEncoders;
using MvcSample.Models;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddControllersWithViews();
// Chinese text stays readable in the HTML source instead of becoming numeric entities; Razor still encodes markup.
builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
builder.Services.AddSingleton<SignInFailureMessages>();

// With no AppId configured, the Development environment signs in against the built-in WeChat emulator.
// Outside Development the emulator needs WeChatEmulator:AllowOutsideDevelopment=true; without it (and without an
// AppId) the app refuses to start, naming the setting to fix.
var emulatorAllowed = builder.Environment.IsDevelopment() || builder.Configuration.GetValue<bool>("WeChatEmulator:AllowOutsideDevelopment");

builder.Services
    .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options =>
    {
        options.Cookie.Name = "MvcSample.Auth";
        // Works on plain http as well as https: Secure follows the request, and Lax survives WeChat's top-level
        // redirect back to the app.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        // Anonymous visitors of [Authorize] pages go to the one endpoint that challenges WeChat, so that one rate
        // limit covers every challenge (each one makes the server keep a pending sign-in).
        options.LoginPath = "/Account/SignIn";
        // An API answers 401, not a redirect to WeChat.
        options.Events.OnRedirectToLogin = context =>
        {
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }
            else
            {
                context.Response.Redirect(context.RedirectUri);
            }

            return Task.CompletedTask;
        };
        // With Authentication:WeChat:SaveTokens=true the cookie keeps the user's WeChat tokens: renew them before they expire.
        options.Events.OnValidatePrincipal = WeChatUserTokenRefresh.ValidatePrincipalAsync;
    })
    .AddWeChat(options =>
    {
        // One person is one user whichever app they signed in with: the unionid ties the official account and the
        // website app together (the openid where WeChat gives no unionid).
        options.NameIdentifierSource = WeChatNameIdentifierSource.UnionIdOrOpenId;
        builder.Configuration.GetSection("Authentication:WeChat").Bind(options);
        options.AccessDeniedPath = "/Account/AccessDenied";
        options.Events.OnRemoteFailure = SignInFailureMessages.ShowErrorPageAsync;
    });

// Website QR login for desktop browsers, bound from Authentication:WeChatQrConnect (the website app's AppId and
// AppSecret, AuthorizationEndpoint, TokenEndpoint, UserInformationEndpoint, BackchannelTimeout, …), and one scheme,
// WeChatBrowser, that the sign-in button challenges: the official account inside WeChat, the QR code elsewhere. On when
// a website AppId is configured, or when the whole web sign-in runs against the emulator (no official-account AppId
// either): a real official account is never paired with the emulator's test users.
var qrConnect = !string.IsNullOrEmpty(builder.Configuration["Authentication:WeChatQrConnect:AppId"])
    || (emulatorAllowed && string.IsNullOrEmpty(builder.Configuration["Authentication:WeChat:AppId"]));
if (qrConnect)
{
    builder.Services.AddAuthentication()
        .AddWeChatQrConnect(options =>
        {
            options.NameIdentifierSource = WeChatNameIdentifierSource.UnionIdOrOpenId;
            builder.Configuration.GetSection("Authentication:WeChatQrConnect").Bind(options);
            options.AccessDeniedPath = "/Account/AccessDenied";
            options.Events.OnRemoteFailure = SignInFailureMessages.ShowErrorPageAsync;
        })
        .AddWeChatBrowserRouting();
}

// The official account's global access token, for its server APIs (here cgi-bin/user/info, whether a user follows
// the account): the AppID and AppSecret of the sign-in, the rest (Mode, StableTokenEndpoint, TokenEndpoint, …) from
// WeChat:AccessToken. In a farm (ConnectionStrings:Redis below) one token is shared by every instance.
builder.Services.AddWeChatAccessToken(WeChatFollowerApi.AccessTokenName, options =>
{
    options.AppId = builder.Configuration["Authentication:WeChat:AppId"] ?? "";
    options.AppSecret = builder.Configuration["Authentication:WeChat:AppSecret"] ?? "";
    builder.Configuration.GetSection("WeChat:AccessToken").Bind(options);
});
builder.Services.AddHttpClient<WeChatFollowerApi>(c => c.Timeout = TimeSpan.FromSeconds(10))
    .AddWeChatAccessTokenHandler(WeChatFollowerApi.AccessTokenName)
    // WeChat's APIs never redirect; a redirect would take the access token elsewhere.
    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
builder.Services.AddHealthChecks().AddWeChatAccessToken(WeChatFollowerApi.AccessTokenName);

// At most SignInRateLimit:PermitsPerMinute challenges a minute per client address (0 turns the limit off, as the
// load driver does: it is one client signing in thousands of times a second). Behind a proxy, UseForwardedHeaders
// must run first, or every user shares the proxy's address.
var signInsPerMinute = builder.Configuration.GetValue("SignInRateLimit:PermitsPerMinute", 30);
builder.Services.AddRateLimiter(options =>
{
    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    options.OnRejected = (context, _) =>
    {
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    };
    options.AddPolicy("wechat-sign-in", context => signInsPerMinute <= 0
        ? RateLimitPartition.GetNoLimiter("")
        : RateLimitPartition.GetFixedWindowLimiter(ClientNetwork(context.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = signInsPerMinute,
            Window = TimeSpan.FromMinutes(1),
        }));
});

// A web farm: with ConnectionStrings:Redis set, pending sign-ins (and their single use) and the Data Protection keys
// that protect cookies and states are shared by every instance through one Redis connection.
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redisConfiguration)
{
    var redisOptions = ConfigurationOptions.Parse(redisConfiguration);
    // Start even while Redis is down: sign-in answers 503 until it is back, instead of the app not starting.
    redisOptions.AbortOnConnectFail = false;
    var redis = ConnectionMultiplexer.Connect(redisOptions);
    builder.Services.AddSingleton<IConnectionMultiplexer>(_ => redis);
    builder.Services.AddStackExchangeRedisCache(o => o.ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(redis));
    builder.Services.AddWeChatStackExchangeRedis();
    builder.Services.AddDataProtection()
        .SetApplicationName("MvcSample")
        .PersistKeysToStackExchangeRedis(() => redis.GetDatabase(), "MvcSample:DataProtection-Keys");
}

if (emulatorAllowed)
{
    builder.Services.AddWeChatEmulator(); // binds WeChatEmulator:* (Users, AppName, …)
}

// Mini-program sign-in (POST /signin-wechat-miniprogram with wx.login's code), bound from Authentication:WeChatMiniProgram
// (AppId, AppSecret, SessionEndpoint, PhoneNumberEndpoint, StableTokenEndpoint, …), answering bearer tokens as
// MapIdentityApi does. On when a mini-program AppId is configured, or against the emulator's mini-program.
var miniProgram = emulatorAllowed || !string.IsNullOrEmpty(builder.Configuration["Authentication:WeChatMiniProgram:AppId"]);
if (miniProgram)
{
    builder.Services.AddAuthentication()
        .AddWeChatMiniProgram(options => builder.Configuration.GetSection("Authentication:WeChatMiniProgram").Bind(options));
}

var app = builder.Build();

// Never a stack trace: unexpected errors and status codes (e.g. 503 when the sign-in state store is down) get pages.
app.UseExceptionHandler("/Home/Error");
app.UseStatusCodePagesWithReExecute("/Home/Status/{0}");
app.UseStaticFiles();
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

if (emulatorAllowed)
{
    app.MapWeChatEmulator();
}

app.MapControllerRoute("default", "{controller=Home}/{action=Index}/{id?}");
app.MapGet("/api/follower", FollowerEndpoint.GetAsync).RequireAuthorization();
app.MapGet("/api/me", (Func<HttpContext, Task<IResult>>)MiniProgramEndpoints.MeAsync);
if (miniProgram)
{
    app.MapWeChatMiniProgramSignIn().RequireRateLimiting("wechat-sign-in");
    app.MapPost("/api/miniprogram/decrypt", MiniProgramEndpoints.DecryptAsync).DisableAntiforgery();
    app.MapPost("/api/miniprogram/phone", MiniProgramEndpoints.PhoneAsync).DisableAntiforgery();
}
if (qrConnect)
{
    // The embedded QR code's configuration (a pending sign-in, like a challenge): rate-limited as the challenge is.
    app.MapWeChatQrConnectEmbedded().RequireRateLimiting("wechat-sign-in");
}

app.MapHealthChecks("/health");

await app.RunAsync();

// One IPv6 host can use every address of its /64 network, so the limit counts networks, not addresses.
static string ClientNetwork(System.Net.IPAddress? address)
{
    if (address is null)
    {
        return "";
    }

    if (address.IsIPv4MappedToIPv6)
    {
        address = address.MapToIPv4();
    }

    return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? Convert.ToHexString(address.GetAddressBytes(), 0, 8) + "/64"
        : address.ToString();
}

/// <summary>The sample app; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
