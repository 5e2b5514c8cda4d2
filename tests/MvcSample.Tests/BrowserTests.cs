using Microsoft.Playwright;

namespace MvcSample.Tests;

/// <summary>
/// A real browser (Debian's Chromium, driven by Playwright) through the sample on Kestrel and its embedded emulator,
/// as a newcomer would click through it after `dotnet run`.
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ScreenshotDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WeChatAuthentication.sln")))
            {
                directory = directory.Parent;
            }

            return Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    [SkippableFact]
    public async Task A_person_signs_in_with_the_emulator_sees_the_profile_and_signs_out()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN" });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page.Locator("#emulator-banner")).ToBeVisibleAsync();
        await Screenshot(page, "1-home");

        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/wechat-emulator/connect/oauth2/authorize**");
        await Expect(page.Locator("h1")).ToHaveTextAsync("WeChat Emulator 示例公众号");
        await page.Locator("label.user", new() { HasText = "小明" }).ClickAsync();
        await Screenshot(page, "2-consent");
        await page.ClickAsync("button.allow");

        // Browsers carry the authorize URL's #wechat_redirect through the redirects back (as in WeChat itself).
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/Profile(#wechat_redirect)?$"));
        await Expect(page.Locator("#nickname")).ToHaveTextAsync("小明 😀");
        await Expect(page.Locator("#openid")).ToHaveTextAsync("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM");
        await Expect(page.Locator("#avatar")).ToBeVisibleAsync();
        Assert.True(await page.EvalOnSelectorAsync<bool>("#avatar", "img => img.complete && img.naturalWidth > 0"), "the avatar image must load");
        Assert.Equal("50%", await page.EvalOnSelectorAsync<string>("#avatar", "img => getComputedStyle(img).borderRadius"));
        await Screenshot(page, "3-profile");

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(address.ToString());
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await Screenshot(page, "4-signed-out");
    }

    [SkippableFact]
    public async Task A_person_who_refuses_sees_the_access_denied_page_and_can_try_again()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/wechat-emulator/connect/oauth2/authorize**");
        await page.ClickAsync("button.refuse");

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/Account/AccessDenied\\?ReturnUrl=%2FProfile(#wechat_redirect)?$"));
        await Expect(page.Locator("#denied")).ToBeVisibleAsync();
        await Screenshot(page, "5-refused");

        await page.ClickAsync("#try-again");
        await page.WaitForURLAsync("**/wechat-emulator/connect/oauth2/authorize**");
    }

    private IBrowser RequireBrowser()
    {
        if (_browser is null)
        {
            var reason = $"{ChromiumPath} is not installed (apt-get install chromium; ./test.sh does it when run as root).";
            // Under CI a missing browser is a failure, not a skip.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", reason);
            Skip.If(true, reason);
        }

        return _browser!;
    }

    private static async Task Screenshot(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
