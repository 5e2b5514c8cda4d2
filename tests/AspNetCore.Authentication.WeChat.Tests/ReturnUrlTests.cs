using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// Whatever local return URL the app hands to the challenge comes back as a valid Location header: HTTP headers are
/// ASCII, and Kestrel refuses to send anything else (after the user consented and the code was burnt).
/// </summary>
public class ReturnUrlTests
{
    [Theory]
    [InlineData("/商品/1", "/%E5%95%86%E5%93%81/1")]
    [InlineData("/café?q=crème", "/caf%C3%A9?q=cr%C3%A8me")]
    [InlineData("/a\u3000b", "/a%E3%80%80b")]
    [InlineData("/a b?c=d e", "/a%20b?c=d%20e")]
    [InlineData("/emoji/😀", "/emoji/%F0%9F%98%80")]
    [InlineData("/already/%E5%95%86?x=1#top", "/already/%E5%95%86?x=1#top")]
    [InlineData("/Ｐｒｏｆｉｌｅ", "/%EF%BC%B0%EF%BD%92%EF%BD%8F%EF%BD%86%EF%BD%89%EF%BD%8C%EF%BD%85")]
    public async Task A_non_ASCII_return_url_comes_back_percent_encoded(string returnUrl, string location)
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();
        var authorize = await WeChatTestHost.ChallengeAsync(browser, "/go?to=" + Uri.EscapeDataString(returnUrl));

        var callbackUrl = host.Fake.Authorize(authorize, FakeWeChatUser.Alice);
        var callback = await browser.GetAsync(callbackUrl);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(location, callback.Headers.Location!.OriginalString);

        // The repeated callback of Android's in-app browser lands on the same URL.
        var repeated = await browser.GetAsync(callbackUrl);
        Assert.Equal(location, repeated.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_non_ASCII_return_url_survives_refused_consent()
    {
        await using var host = await StartAsync(o => o.AccessDeniedPath = "/denied");
        var browser = host.CreateBrowser();
        var authorize = await WeChatTestHost.ChallengeAsync(browser, "/go?to=" + Uri.EscapeDataString("/商品/1"));

        var callback = await browser.GetAsync(FakeWeChat.Refuse(authorize));

        Assert.Equal("/denied?ReturnUrl=" + Uri.EscapeDataString("/%E5%95%86%E5%93%81/1"), callback.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("", "~/orders", "/orders")]
    [InlineData("/shop", "~/orders", "/shop/orders")]
    [InlineData("/shop", "~/", "/shop/")]
    public async Task An_app_relative_return_url_is_resolved_against_the_path_base(string pathBase, string returnUrl, string location)
    {
        await using var host = await StartAsync(pipeline: app =>
        {
            if (pathBase.Length > 0)
            {
                app.UsePathBase(pathBase);
            }
        });
        var browser = host.CreateBrowser();
        var authorize = await WeChatTestHost.ChallengeAsync(browser, pathBase + "/go?to=" + Uri.EscapeDataString(returnUrl));

        var callback = await browser.GetAsync(host.Fake.Authorize(authorize, FakeWeChatUser.Alice));

        Assert.Equal(location, callback.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("~//evil.example/")]
    [InlineData("~/\\evil.example/")]
    public async Task Resolving_an_app_relative_url_never_makes_it_point_to_another_site(string returnUrl)
    {
        await using var host = await StartAsync();
        var browser = host.CreateBrowser();
        var authorize = await WeChatTestHost.ChallengeAsync(browser, "/go?to=" + Uri.EscapeDataString(returnUrl));

        var callback = await browser.GetAsync(host.Fake.Authorize(authorize, FakeWeChatUser.Alice));

        // Browsers treat '\' in a URL as '/'.
        var location = callback.Headers.Location!.OriginalString.Replace('\\', '/');
        Assert.Equal("app.example", new Uri(new Uri("https://app.example/signin-wechat"), location).Host);
    }

    private static Task<WeChatTestHost> StartAsync(Action<WeChatAuthenticationOptions>? configure = null, Action<WebApplication>? pipeline = null)
        => WeChatTestHost.StartAsync(configure, pipeline: app =>
        {
            pipeline?.Invoke(app);
            app.MapGet("/go", (HttpContext context, string to) =>
                context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = to }));
        });
}
