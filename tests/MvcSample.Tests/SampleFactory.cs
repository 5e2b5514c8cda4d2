using System.Net;
using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>
/// The sample as `dotnet run` starts it (Development, no AppId, so the embedded emulator), in a test server.
/// </summary>
public sealed partial class SampleFactory : WebApplicationFactory<Program>
{
    public Dictionary<string, string?> Settings { get; } = [];

    public Action<IServiceCollection>? ConfigureTestServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (ConfigureTestServices is not null)
        {
            builder.ConfigureServices(ConfigureTestServices);
        }
    }

    /// <summary>A browser inside WeChat (WeChat's User-Agent), which signs in with the official account.</summary>
    public HttpClient CreateBrowser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A desktop browser (Chrome's User-Agent, or the one given), which signs in with the QR code.</summary>
    public HttpClient CreateDesktopBrowser(string userAgent = UserAgents.Chrome)
    {
        var browser = CreateBrowser();
        browser.DefaultRequestHeaders.Remove("User-Agent");
        browser.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        return browser;
    }

    // Every client, also those of a farm's instances (WithWebHostBuilder passes this on), is WeChat's browser unless a
    // test says otherwise: the official account's sign-in is what most tests exercise.
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgents.WeChatIos);
    }

    /// <summary>
    /// Opens /Profile anonymously, and follows redirects on the app's own host until the emulator's consent page.
    /// Returns the authorize URL.
    /// </summary>
    public static async Task<Uri> ChallengeAsync(HttpClient browser, string path = "/Profile")
    {
        var response = await browser.GetAsync(path);
        for (var hops = 0; response.StatusCode == HttpStatusCode.Redirect && !response.Headers.Location!.ToString().Contains("/connect/oauth2/authorize", StringComparison.Ordinal); hops++)
        {
            Assert.True(hops < 3, "too many redirects before WeChat's authorize endpoint");
            response = await browser.GetAsync(response.Headers.Location);
        }

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>Answers the emulator's consent page and follows the callback; returns the page the user ends on.</summary>
    public static async Task<(Uri Url, string Html)> ConsentAsync(HttpClient browser, Uri authorize, int user, string decision = "allow")
    {
        var page = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("WeChat Emulator 示例公众号", html, StringComparison.Ordinal);

        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = authorize.Query,
            ["user"] = user.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["decision"] = decision,
        });
        var consent = await browser.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), form);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        return await FollowAsync(browser, consent.Headers.Location!);
    }

    public static async Task<(Uri Url, string Html)> FollowAsync(HttpClient browser, Uri url)
    {
        for (var hops = 0; hops < 5; hops++)
        {
            var response = await browser.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}");
                return (url, await response.Content.ReadAsStringAsync());
            }

            url = new Uri(url, response.Headers.Location!);
        }

        throw new InvalidOperationException("too many redirects");
    }

    /// <summary>The text of the element with this id (its inner tags stripped, white space collapsed), or null.</summary>
    public static string? Element(string html, string id)
    {
        var match = Regex.Match(html, $"<(?<tag>\\w+)[^>]*\\bid=\"{id}\"[^>]*>(?<inner>.*?)</\\k<tag>>", RegexOptions.Singleline);
        return match.Success
            ? WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(match.Groups["inner"].Value, "<[^>]*>", ""), "\\s+", " ").Trim())
            : null;
    }

    /// <summary>What the error page says for a kind of failure, as a user reads it: Chinese, then English.</summary>
    public static string FailureText(AspNetCore.Authentication.WeChat.WeChatFailureKind? kind)
    {
        var (chinese, english) = MvcSample.Models.SignInFailureText.For(kind);
        return chinese + " " + english;
    }

    public static WeChatEmulatorUser SlowUser { get; } = new() { OpenId = "oEmu_Slow", Nickname = "Slow", TokenDelay = TimeSpan.FromSeconds(30) };

    public static WeChatEmulatorUser ScriptUser { get; } = new() { OpenId = "oEmu_Script", Nickname = "<script>alert('x')</script>", HeadImageUrl = "javascript:alert(1)" };
}
