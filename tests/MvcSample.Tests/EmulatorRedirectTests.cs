using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MvcSample.Tests;

/// <summary>
/// The emulator must never become an open redirect: it serves nothing while no scheme signs in against it, and sends
/// codes only to the app's own origin (or, standalone, to the hosts it was given).
/// </summary>
public class EmulatorRedirectTests
{
    private const string EvilQuery = "?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=https%3A%2F%2Fevil.example%2Fx&response_type=code&scope=snsapi_base&state=abc123";

    [Fact]
    public async Task With_a_real_AppId_the_emulator_serves_nothing_and_says_so_at_start_up()
    {
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var factory = new SampleFactory { ConfigureTestServices = s => s.AddLogging(l => l.AddProvider(new MvcSample.Tests.WebFarm.QueueLoggerProvider(logs))) };
        factory.Settings["Authentication:WeChat:AppId"] = "wx1234567890abcdef";
        factory.Settings["Authentication:WeChat:AppSecret"] = "real-secret";
        // The mini-program too: a scheme of either app without an AppId would sign in against the emulator.
        factory.Settings["Authentication:WeChatMiniProgram:AppId"] = "wxa1234567890abcd";
        factory.Settings["Authentication:WeChatMiniProgram:AppSecret"] = "real-mini-secret";
        var browser = factory.CreateBrowser();

        foreach (var path in new[] { "/wechat-emulator/connect/oauth2/authorize" + EvilQuery, "/wechat-emulator/sns/userinfo?access_token=x&openid=y", "/wechat-emulator/mmopen/x/132" })
        {
            var response = await browser.GetAsync(path);
            Assert.Null(response.Headers.Location);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var consent = await browser.PostAsync("/wechat-emulator/connect/oauth2/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = EvilQuery, ["user"] = "0", ["decision"] = "allow",
        }));
        Assert.Null(consent.Headers.Location);
        Assert.Contains(logs, l => l.Contains("[WeChatEmulatorUnused]", StringComparison.Ordinal) && l.Contains("AppId", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https%3A%2F%2Fevil.example%2Fsignin-wechat", "snsapi_base")]
    [InlineData("https%3A%2F%2Fevil.example%2Fsignin-wechat", "snsapi_userinfo")]
    [InlineData("http%3A%2F%2Flocalhost.evil.example%2Fsignin-wechat", "snsapi_base")]
    [InlineData("https%3A%2F%2Flocalhost%2Fsignin-wechat", "snsapi_base")]
    [InlineData("http%3A%2F%2Flocalhost%3A8080%2Fsignin-wechat", "snsapi_base")]
    [InlineData("javascript%3Aalert(1)", "snsapi_base")]
    public async Task An_emulator_in_use_sends_codes_only_to_the_apps_own_origin(string redirectUri, string scope)
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var query = $"?appid=wxe0e0e0e0e0e0e0e0&redirect_uri={redirectUri}&response_type=code&scope={scope}&state=abc123";

        var page = await browser.GetAsync("/wechat-emulator/connect/oauth2/authorize" + query);
        var consent = await browser.PostAsync("/wechat-emulator/connect/oauth2/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query, ["user"] = "0", ["decision"] = "allow",
        }));

        foreach (var response in new[] { page, consent })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.Contains("10003", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The app's own origin still works.
        var own = await browser.GetAsync("/wechat-emulator/connect/oauth2/authorize?appid=wxe0e0e0e0e0e0e0e0&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-wechat&response_type=code&scope=snsapi_base&state=abc123");
        Assert.Equal(HttpStatusCode.Redirect, own.StatusCode);
        Assert.StartsWith("http://localhost/signin-wechat?code=", own.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://app.example/商品/1", "http://app.example/%E5%95%86%E5%93%81/1?code=")]
    [InlineData("http://[::1]:5000/signin-wechat", "http://[::1]:5000/signin-wechat?code=")]
    public async Task A_standalone_emulator_redirects_to_any_listed_host_with_a_valid_Location(string redirectUri, string location)
    {
        var (app, address) = await KestrelHosts.StartStandaloneEmulatorAsync(o => o.RedirectDomains.Add("[::1]"));
        await using (app)
        {
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
            var response = await client.GetAsync($"/connect/oauth2/authorize?appid=wxe0e0e0e0e0e0e0e0&redirect_uri={Uri.EscapeDataString(redirectUri)}&response_type=code&scope=snsapi_base&state=abc123");

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith(location, response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_standalone_emulator_serves_only_with_redirect_domains_and_only_to_them()
    {
        var (bare, bareAddress) = await KestrelHosts.StartStandaloneEmulatorAsync(o => o.RedirectDomains.Clear());
        await using (bare)
        {
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = bareAddress };
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/connect/oauth2/authorize" + EvilQuery.Replace("evil.example", "app.example", StringComparison.Ordinal))).StatusCode);
        }

        var (app, address) = await KestrelHosts.StartStandaloneEmulatorAsync();
        await using (app)
        {
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
            var evil = await client.GetAsync("/connect/oauth2/authorize" + EvilQuery);
            Assert.Equal(HttpStatusCode.BadRequest, evil.StatusCode);
            Assert.Null(evil.Headers.Location);

            var listed = await client.GetAsync("/connect/oauth2/authorize" + EvilQuery.Replace("evil.example", "app.example", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.Redirect, listed.StatusCode);
            Assert.StartsWith("https://app.example/x?code=", listed.Headers.Location!.ToString(), StringComparison.Ordinal);
        }
    }
}
