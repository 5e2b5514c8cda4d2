using System.Net;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MvcSample.Tests;

/// <summary>
/// AddWeChatEmulator() reads the WeChatEmulator configuration section in any app, as the start-up error message and
/// the README tell users to set it, not only in the sample.
/// </summary>
public class EmulatorConfigurationTests
{
    [Fact]
    public async Task The_WeChatEmulator_section_sets_the_app_name_and_replaces_the_default_users()
    {
        await using var app = await StartAppAsync(Environments.Development, new()
        {
            ["WeChatEmulator:AppName"] = "我的测试公众号",
            ["WeChatEmulator:Users:0:OpenId"] = "oConfigured_User_0000000000000",
            ["WeChatEmulator:Users:0:Nickname"] = "配置的用户",
        });
        using var browser = app.GetTestClient();

        var challenge = await browser.GetAsync("/signin");
        var page = await (await browser.GetAsync(challenge.Headers.Location)).Content.ReadAsStringAsync();

        Assert.Contains("我的测试公众号", page, StringComparison.Ordinal);
        Assert.Contains("配置的用户", page, StringComparison.Ordinal);
        Assert.DoesNotContain("小明", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowOutsideDevelopment_from_configuration_lets_the_emulator_run_in_Production()
    {
        await using var app = await StartAppAsync(Environments.Production, new() { ["WeChatEmulator:AllowOutsideDevelopment"] = "true" });
        using var browser = app.GetTestClient();

        var challenge = await browser.GetAsync("/signin");

        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.StartsWith("http://localhost/wechat-emulator/connect/oauth2/authorize?", challenge.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_opt_in_the_emulator_stops_the_app_in_Production_naming_the_setting()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartAppAsync(Environments.Production, []));

        Assert.Contains("WeChatEmulator:AllowOutsideDevelopment=true", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_development_an_apps_own_client_with_the_token_handler_is_answered_by_the_emulator_not_sent_to_WeChat()
    {
        // README's "Calling WeChat APIs", as written, in a fresh app: no AppId anywhere, so the token is the emulator's,
        // and a call to api.weixin.qq.com must never leave the process with it.
        var network = new NetworkGuard();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie().AddWeChat(_ => { });
        builder.Services.AddWeChatEmulator();
        builder.Services.AddWeChatAccessToken("official-account", _ => { });
        builder.Services.AddHttpClient("my-api")
            .AddWeChatAccessTokenHandler("official-account")
            .ConfigurePrimaryHttpMessageHandler(() => network);
        await using var app = builder.Build();
        await app.StartAsync();

        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("my-api");
        var answer = await client.GetStringAsync("https://api.weixin.qq.com/cgi-bin/user/info?openid=oEmu_XiaoMing_6bmasdsad6_2sgVt7hM&lang=zh_CN");

        Assert.Contains("\"subscribe\":1", answer, StringComparison.Ordinal);
        Assert.Empty(network.Sent);
    }

    [Fact]
    public async Task In_development_calls_to_WeChat_with_a_real_token_or_AppID_go_to_WeChat_not_to_the_emulator()
    {
        // The sign-in is emulated (no AppId), but the app also calls WeChat for real: those calls are WeChat's.
        var network = new NetworkGuard();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie().AddWeChat(_ => { });
        builder.Services.AddWeChatEmulator();
        builder.Services.AddHttpClient("my-api").ConfigurePrimaryHttpMessageHandler(() => network);
        await using var app = builder.Build();
        await app.StartAsync();
        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("my-api");

        await client.GetAsync("https://api.weixin.qq.com/cgi-bin/user/info?access_token=REAL_TOKEN_of_a_real_app&openid=oReal");
        await client.GetAsync("https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wxrealrealrealreal&secret=s");
        await client.PostAsync("https://api.weixin.qq.com/cgi-bin/stable_token", new StringContent("""{"grant_type":"client_credential","appid":"wxrealrealrealreal","secret":"s"}"""));

        Assert.Equal(3, network.Sent.Count);
        Assert.Equal(0, app.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>().GetCallCount("/cgi-bin/user/info"));
    }

    /// <summary>Stands for the network: records what would have left the process.</summary>
    private sealed class NetworkGuard : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<Uri> Sent { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Enqueue(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadGateway));
        }
    }

    /// <summary>A fresh app, not the sample: a WeChat scheme without AppId, and the emulator as README shows it.</summary>
    private static async Task<WebApplication> StartAppAsync(string environment, Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie().AddWeChat(_ => { });
        builder.Services.AddWeChatEmulator();
        var app = builder.Build();
        app.MapWeChatEmulator();
        app.MapGet("/signin", (HttpContext context) => context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = "/" }));
        await app.StartAsync();
        return app;
    }
}
