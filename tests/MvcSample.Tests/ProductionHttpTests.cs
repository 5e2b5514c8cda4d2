using System.Net;

namespace MvcSample.Tests;

/// <summary>
/// The sample in Production on plain http://127.0.0.1, configured only through environment-style settings, signing in
/// against a WeChat-compatible server on another port: the deployment a team tries first.
/// </summary>
public class ProductionHttpTests
{
    [Fact]
    public async Task Sign_in_works_on_plain_http_in_Production_against_a_WeChat_compatible_server()
    {
        var (emulator, emulatorAddress) = await KestrelHosts.StartStandaloneEmulatorAsync();
        await using var _ = emulator;
        var (factory, address) = StartProductionSample(emulatorAddress);
        await using var __ = factory;
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = address };

        var home = await browser.GetStringAsync("/");
        Assert.DoesNotContain("emulator-banner", home, StringComparison.Ordinal);

        // /Profile → /Account/SignIn (the one rate-limited challenge endpoint) → WeChat.
        var toSignIn = await browser.GetAsync("/Profile");
        Assert.Equal("/Account/SignIn?ReturnUrl=%2FProfile", toSignIn.Headers.Location!.PathAndQuery);
        var challenge = await browser.GetAsync(toSignIn.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.Equal(emulatorAddress.Authority, authorize.Authority);
        Assert.Contains($"redirect_uri={Uri.EscapeDataString(address.ToString().TrimEnd('/'))}%2Fsignin-wechat&", authorize.Query, StringComparison.Ordinal);

        // The correlation cookie must reach the browser on plain http: not Secure, SameSite=Lax.
        var correlation = Assert.Single(challenge.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", correlation, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", correlation, StringComparison.OrdinalIgnoreCase);

        var (url, html) = await SampleFactory.ConsentAsync(browser, authorize, user: 0);

        Assert.Equal(new Uri(address, "/Profile"), url);
        Assert.Equal("小明 😀", SampleFactory.Element(html, "nickname"));
        Assert.DoesNotContain(KestrelHosts.EmulatorSecret, html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%2F%E5%95%86%E5%93%81%2F1", "/%E5%95%86%E5%93%81/1")]
    [InlineData("%2Fcaf%C3%A9%3Fq%3D%E3%80%80", "/caf%C3%A9?q=%E3%80%80")]
    [InlineData("~%2FProfile", "/Profile")]
    public async Task A_return_url_Kestrel_cannot_send_raw_comes_back_as_a_valid_Location(string returnUrl, string location)
    {
        var (emulator, emulatorAddress) = await KestrelHosts.StartStandaloneEmulatorAsync();
        await using var _ = emulator;
        var (factory, address) = StartProductionSample(emulatorAddress);
        await using var __ = factory;
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = address };

        var (authorize, _) = await FollowToAsync(browser, new Uri(address, "/Account/SignIn?returnUrl=" + returnUrl), emulatorAddress);
        var consent = await browser.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = authorize.Query, ["user"] = "0", ["decision"] = "allow",
        }));
        var callback = await browser.GetAsync(consent.Headers.Location);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(location, callback.Headers.Location!.OriginalString);
    }

    private static (Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Factory, Uri Address) StartProductionSample(Uri emulatorAddress)
    {
        var origin = emulatorAddress.ToString().TrimEnd('/');
        return KestrelHosts.StartSample("Production", new Dictionary<string, string?>
        {
            ["Authentication:WeChat:AppId"] = "wxe0e0e0e0e0e0e0e0",
            ["Authentication:WeChat:AppSecret"] = KestrelHosts.EmulatorSecret,
            ["Authentication:WeChat:AuthorizationEndpoint"] = origin + "/connect/oauth2/authorize",
            ["Authentication:WeChat:TokenEndpoint"] = origin + "/sns/oauth2/access_token",
            ["Authentication:WeChat:UserInformationEndpoint"] = origin + "/sns/userinfo",
            ["Authentication:WeChat:BackchannelTimeout"] = "00:00:10",
        });
    }

    /// <summary>Follows the app's own redirects until one leaves for WeChat.</summary>
    private static async Task<(Uri Authorize, int Hops)> FollowToAsync(HttpClient browser, Uri url, Uri wechat)
    {
        for (var hops = 0; hops < 5; hops++)
        {
            var response = await browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            url = new Uri(url, response.Headers.Location!);
            if (url.Authority == wechat.Authority)
            {
                return (url, hops + 1);
            }
        }

        throw new InvalidOperationException("too many redirects before WeChat");
    }
}
