using System.Collections.Concurrent;
using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// WeChat's APIs never redirect. A "WeChat" that does must receive neither the AppSecret's next hop nor decide who
/// signs in. These run the package's own backchannel against real loopback servers.
/// </summary>
public sealed class BackchannelRedirectTests : IAsyncLifetime
{
    private WebApplication _wechat = null!;
    private WebApplication _evil = null!;

    private ConcurrentQueue<string> EvilRequests { get; } = new();

    private Uri WeChatAddress { get; set; } = null!;

    private Uri EvilAddress { get; set; } = null!;

    public async Task InitializeAsync()
    {
        (_evil, EvilAddress) = await StartAsync(app => app.Run(context =>
        {
            EvilRequests.Enqueue(context.Request.Path + context.Request.QueryString);
            // What an attacker answers to whoever follows the redirect: a token for the user of their choosing.
            return context.Response.WriteAsync("""{"access_token":"ACCESS_evil","expires_in":7200,"openid":"oVictim_000000000000000000000","scope":"snsapi_base"}""");
        }));
        (_wechat, WeChatAddress) = await StartAsync(app => app.Run(context =>
        {
            context.Response.Redirect(new Uri(EvilAddress, "/steal" + context.Request.QueryString).ToString());
            return Task.CompletedTask;
        }));
    }

    public async Task DisposeAsync()
    {
        await _wechat.DisposeAsync();
        await _evil.DisposeAsync();
    }

    [Fact]
    public async Task A_redirect_from_the_token_endpoint_is_not_followed_and_fails_the_sign_in()
    {
        await using var host = await WeChatTestHost.StartAsync(UseRedirectingWeChat, fakeBackchannel: false);
        var browser = host.CreateBrowser();

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(browser, FakeWeChatUser.Alice));

        var failure = Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
        Assert.Contains("HTTP 302 (Found), a redirect", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not followed", failure.Message, StringComparison.Ordinal);
        Assert.Empty(EvilRequests);
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name == ".AspNetCore.Cookies");
    }

    [Fact]
    public async Task An_apps_own_handler_that_follows_redirects_cannot_decide_who_signs_in()
    {
        await using var host = await WeChatTestHost.StartAsync(o =>
        {
            UseRedirectingWeChat(o);
            o.Scope.Add(WeChatAuthenticationDefaults.BaseScope);
#pragma warning disable CA2000 // The options own the handler for the app's lifetime.
            o.BackchannelHttpHandler = new HttpClientHandler { AllowAutoRedirect = true };
#pragma warning restore CA2000
        }, fakeBackchannel: false);
        var browser = host.CreateBrowser();

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(browser, FakeWeChatUser.Alice));

        var failure = Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
        Assert.Contains("was called through a Backchannel that followed a redirect", failure.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAutoRedirect", failure.Message, StringComparison.Ordinal);
        Assert.Single(EvilRequests); // the app's handler followed it; the package refused the answer
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name == ".AspNetCore.Cookies");
    }

    private void UseRedirectingWeChat(WeChatAuthenticationOptions options)
    {
        options.TokenEndpoint = new Uri(WeChatAddress, "/sns/oauth2/access_token").ToString();
        options.UserInformationEndpoint = new Uri(WeChatAddress, "/sns/userinfo").ToString();
    }

    private static async Task<(WebApplication App, Uri Address)> StartAsync(Action<WebApplication> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()));
    }
}
