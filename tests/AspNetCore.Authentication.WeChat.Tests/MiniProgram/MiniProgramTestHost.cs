using System.Net.Http.Json;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>
/// An app with mini-program sign-in against <see cref="FakeMiniProgramWeChat"/> (through the package's factory clients),
/// its endpoints at <c>/signin-wechat-miniprogram</c>, and test endpoints that use the signed-in user's session_key.
/// </summary>
public sealed class MiniProgramTestHost : IAsyncDisposable
{
    private MiniProgramTestHost(WebApplication app, FakeMiniProgramWeChat fake, CapturingLoggerProvider logs)
    {
        App = app;
        Fake = fake;
        Logs = logs;
        Client = ((TestServer)app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).CreateClient();
    }

    public WebApplication App { get; }

    public FakeMiniProgramWeChat Fake { get; }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Client { get; }

    public static async Task<MiniProgramTestHost> StartAsync(
        Action<WeChatMiniProgramOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        FakeMiniProgramWeChat? fake = null,
        Action<AuthenticationBuilder>? authentication = null)
    {
        fake ??= new FakeMiniProgramWeChat();
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        var auth = builder.Services.AddAuthentication(WeChatMiniProgramDefaults.BearerScheme)
            .AddWeChatMiniProgram(o =>
            {
                o.AppId = FakeMiniProgramWeChat.AppId;
                o.AppSecret = FakeMiniProgramWeChat.AppSecret;
                configure?.Invoke(o);
            });
        authentication?.Invoke(auth);
        builder.Services.AddAuthorization();
        builder.Services.AddHttpClient(WeChatAuthenticationDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => fake);
        builder.Services.AddHttpClient(WeChatBackchannel.ApiClientName(WeChatMiniProgramDefaults.Name)).ConfigurePrimaryHttpMessageHandler(() => fake);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapWeChatMiniProgramSignIn();
        app.MapGet("/me", (HttpContext context) => Results.Json(context.User.Claims.Select(c => new[] { c.Type, c.Value }).ToArray()))
            .RequireAuthorization();
        app.MapPost("/decrypt", async (HttpContext context, IWeChatMiniProgramService miniProgram, OpenDataRequest request) =>
        {
            try
            {
                using var data = await miniProgram.DecryptAsync(context.User.FindFirst(WeChatClaimTypes.OpenId)!.Value, request.EncryptedData, request.Iv);
                return Results.Text(data.RootElement.GetRawText(), "application/json");
            }
            catch (WeChatException ex)
            {
                return WeChatProblems.Result(ex);
            }
        }).RequireAuthorization();
        app.MapPost("/signature", async (HttpContext context, IWeChatMiniProgramService miniProgram, SignatureRequest request)
            => Results.Json(await miniProgram.VerifySignatureAsync(context.User.FindFirst(WeChatClaimTypes.OpenId)!.Value, request.RawData, request.Signature))).RequireAuthorization();
        app.MapPost("/checksession", async (HttpContext context, IWeChatMiniProgramService miniProgram)
            => Results.Json(await miniProgram.CheckSessionAsync(context.User.FindFirst(WeChatClaimTypes.OpenId)!.Value))).RequireAuthorization();
        app.MapPost("/phone", async (HttpContext context, IWeChatMiniProgramService miniProgram, PhoneRequest request) =>
        {
            try
            {
                return Results.Json(await miniProgram.GetPhoneNumberAsync(request.Code, context.User.FindFirst(WeChatClaimTypes.OpenId)!.Value));
            }
            catch (WeChatException ex)
            {
                return WeChatProblems.Result(ex);
            }
        }).RequireAuthorization();
        await app.StartAsync();
        return new MiniProgramTestHost(app, fake, logs);
    }

    public Task<HttpResponseMessage> SignInAsync(string code)
        => Client.PostAsJsonAsync("/signin-wechat-miniprogram", new { code });

    /// <summary>Signs the user in and returns the bearer token response.</summary>
    public async Task<BearerTokens> SignInAsync(FakeMiniProgramUser user)
    {
        var response = await SignInAsync(Fake.Login(user));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BearerTokens>())!;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Client.SendAsync(request);
    }

    public async Task<Dictionary<string, string>> MeAsync(string accessToken)
    {
        var response = await SendAsync(HttpMethod.Get, "/me", accessToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var claims = (await response.Content.ReadFromJsonAsync<string[][]>())!;
        return claims.GroupBy(c => c[0]).ToDictionary(g => g.Key, g => string.Join(",", g.Select(c => c[1])));
    }

    /// <summary>Reads a problem response, asserting its content type, status and type.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status, string type)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(type, json.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }

    public sealed record BearerTokens(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

    public sealed record OpenDataRequest(string EncryptedData, string Iv);

    public sealed record SignatureRequest(string RawData, string Signature);

    public sealed record PhoneRequest(string Code);
}
