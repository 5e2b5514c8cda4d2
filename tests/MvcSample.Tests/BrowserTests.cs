using Microsoft.Playwright;
using Microsoft.Extensions.DependencyInjection;

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
        // WeChat's own browser, which the sign-in button sends to the official account's authorization.
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN", UserAgent = UserAgents.WeChatIos });
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
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), UserAgent = UserAgents.WeChatAndroid });
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

    [SkippableFact]
    public async Task On_a_phone_the_ids_keep_to_one_line_and_no_claim_row_is_taller_than_three_lines()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        // An iPhone SE / 8 sized screen: the narrowest one in common use.
        await using var context = await browser.NewContextAsync(new()
        {
            BaseURL = address.ToString(),
            Locale = "zh-CN",
            ViewportSize = new() { Width = 375, Height = 667 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            UserAgent = UserAgents.WeChatIos,
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/Profile");
        await page.WaitForURLAsync("**/wechat-emulator/connect/oauth2/authorize**");
        await page.Locator("label.user", new() { HasText = "小明" }).ClickAsync();
        await page.ClickAsync("button.allow");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/Profile(#wechat_redirect)?$"));
        await Expect(page.Locator("#openid")).ToHaveTextAsync("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM");
        await Screenshot(page, "6-profile-phone");

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page must not scroll sideways");
        foreach (var id in new[] { "#openid", "#unionid" })
        {
            var box = await page.Locator(id).BoundingBoxAsync();
            Assert.NotNull(box);
            var lineHeight = await LineHeightAsync(page, id);
            Assert.True(box.Height <= 1.5 * lineHeight, $"{id} is {box.Height} px tall for a {lineHeight} px line: it wraps");
            Assert.True(box.X >= 0 && box.X + box.Width <= 375, $"{id} spans {box.X}..{box.X + box.Width} px, outside the screen");
            Assert.True(await page.EvalOnSelectorAsync<bool>(id, "e => e.scrollWidth <= e.clientWidth"), $"{id} is cut off");
        }

        var cellLineHeight = await LineHeightAsync(page, "#claims tbody td");
        var cellPadding = await page.EvalOnSelectorAsync<double>("#claims tbody td", "td => parseFloat(getComputedStyle(td).paddingTop) + parseFloat(getComputedStyle(td).paddingBottom)");
        var rows = page.Locator("#claims tbody tr");
        Assert.True(await rows.CountAsync() >= 6, "the claims table lists every claim");
        foreach (var row in await rows.AllAsync())
        {
            var box = await row.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.Height <= 3 * cellLineHeight + cellPadding + 2, $"the claim row \"{await row.InnerTextAsync()}\" is {box.Height} px tall, more than three {cellLineHeight} px lines");
            Assert.True(box.X + box.Width <= 375, $"the claim row \"{await row.InnerTextAsync()}\" runs off the screen");
        }

        // The same page on a desktop screen, to look at.
        await page.SetViewportSizeAsync(1280, 800);
        await Screenshot(page, "7-profile-desktop");
    }

    /// <summary>The element's line height in CSS pixels, measured on a one-line probe when CSS says "normal".</summary>
    private static Task<double> LineHeightAsync(IPage page, string selector) => page.EvalOnSelectorAsync<double>(selector, """
        e => {
            const style = getComputedStyle(e);
            const declared = parseFloat(style.lineHeight);
            if (!Number.isNaN(declared)) return declared;
            const probe = document.createElement('div');
            for (const p of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'lineHeight']) probe.style[p] = style[p];
            probe.style.position = 'absolute';
            probe.style.whiteSpace = 'nowrap';
            probe.textContent = 'x';
            document.body.appendChild(probe);
            const height = probe.getBoundingClientRect().height;
            probe.remove();
            return height;
        }
        """);

    [SkippableFact]
    public async Task The_mini_program_simulator_runs_its_script_under_its_own_policy_and_stays_on_the_apps_origin()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        var (requests, policyViolations) = Watch(page, strict: false);

        await page.GotoAsync("/wechat-emulator/miniprogram");
        await Expect(page.Locator("#phone")).ToBeDisabledAsync();
        await page.Locator("button.mp-user", new() { HasText = "小明" }).ClickAsync();

        // The script ran (its hash matches the policy): it minted a code and posted it to the app's sign-in endpoint,
        // and shows the app's answer, whatever it is, with its status.
        await Expect(page.Locator("button.mp-user", new() { HasText = "小明" })).ToHaveAttributeAsync("aria-pressed", "true");
        // The app signed the user in with bearer tokens, and /api/me answers with the mini-program's openid.
        var xiaoMing = factory.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>().Options.Users[0];
        await Expect(page.Locator("#signin-result")).ToContainTextAsync("HTTP 200");
        await Expect(page.Locator("#signin-result")).ToContainTextAsync("accessToken");
        await Expect(page.Locator("#me-result")).ToContainTextAsync(xiaoMing.MiniProgramOpenId);
        await Expect(page.Locator("#me-result")).ToContainTextAsync("wxe1e1e1e1e1e1e1e1");

        await page.Locator("#phone").ClickAsync();
        await Expect(page.Locator("#phone-result")).ToContainTextAsync("13800138000");
        await page.Locator("#decrypt").ClickAsync();
        await Expect(page.Locator("#decrypt-result")).ToContainTextAsync("HTTP 200");
        await Expect(page.Locator("#decrypt-result")).ToContainTextAsync(xiaoMing.Nickname);
        await page.Locator("#refresh").ClickAsync();
        await Expect(page.Locator("#refresh-result")).ToContainTextAsync("HTTP 200");
        await Screenshot(page, "mini-program-simulator");
        Assert.DoesNotContain("session_key", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Empty(policyViolations);
        Assert.All(requests, url => Assert.StartsWith(address.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        Assert.Contains(requests, url => url.EndsWith("/wechat-emulator/miniprogram/login", StringComparison.Ordinal));
        Assert.Contains(requests, url => url.EndsWith("/signin-wechat-miniprogram", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WxLogin_js_frames_the_emulators_QR_page_and_confirming_takes_the_app_to_the_callback(bool selfRedirect)
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        var (requests, policyViolations) = Watch(page, strict: true);

        // An app's page with WeChat's embedding code, and its callback: the sample has neither, so the browser is given them.
        var origin = address.GetLeftPart(UriPartial.Authority);
        var callback = origin + "/qr-callback?returnUrl=%2FProfile";
        var flag = selfRedirect ? "true" : "false";
        await page.RouteAsync(origin + "/qr-login", route => route.FulfillAsync(new()
        {
            ContentType = "text/html; charset=utf-8",
            Body = $$"""
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>app</title></head><body><div id="login"></div>
                <script src="/wechat-emulator/connect/zh_CN/htmledition/js/wxLogin.js"></script>
                <script>new WxLogin({ self_redirect: {{flag}}, id: 'login', appid: 'wxe2e2e2e2e2e2e2e2', scope: 'snsapi_login', redirect_uri: encodeURIComponent('{{callback}}'), state: 'abc123', style: 'black', href: 'https://cdn.example/wxlogin.css' });</script>
                </body></html>
                """,
        }));
        await page.RouteAsync(new System.Text.RegularExpressions.Regex("/qr-callback\\?"), route => route.FulfillAsync(new() { ContentType = "text/html; charset=utf-8", Body = "<!DOCTYPE html><p id=\"done\">callback</p>" }));

        await page.GotoAsync("/qr-login");
        var frame = page.Locator("#login iframe");
        Assert.Equal(
            $"{origin}/wechat-emulator/connect/qrconnect?appid=wxe2e2e2e2e2e2e2e2&scope=snsapi_login&redirect_uri={Uri.EscapeDataString(callback)}&state=abc123&login_type=jssdk&self_redirect={flag}&styletype=&sizetype=&bgcolor=&rst=&style=black&href=https://cdn.example/wxlogin.css",
            await frame.GetAttributeAsync("src"));
        Assert.Equal("allow-scripts allow-top-navigation allow-same-origin allow-forms", await frame.GetAttributeAsync("sandbox"));
        Assert.Equal("local-network-access", await frame.GetAttributeAsync("allow"));
        Assert.Equal("no", await frame.GetAttributeAsync("scrolling"));
        Assert.Equal("300px", await frame.GetAttributeAsync("width"));
        Assert.Equal("400px", await frame.GetAttributeAsync("height"));

        // Framed (the app's own origin may), and the whole page fits the iframe.
        var qr = page.FrameLocator("#login iframe");
        await Expect(qr.Locator("#website")).ToHaveTextAsync("WeChat Emulator 示例网站");
        await Screenshot(page, selfRedirect ? "qr-embedded-self-redirect" : "qr-embedded");
        var height = await qr.Locator("body").EvaluateAsync<int>("b => document.documentElement.scrollHeight");
        Assert.True(height <= 400, $"the QR page is {height} px tall: it must fit wxLogin.js's 300×400 iframe");
        await qr.Locator("button.confirm", new() { HasText = "小明" }).ClickAsync();
        var calledBack = new System.Text.RegularExpressions.Regex("/qr-callback\\?returnUrl=%2FProfile&code=[0-9a-f]{32}&state=abc123$");
        if (selfRedirect)
        {
            // The iframe goes to the callback (a redirect, which Playwright does not route: the sample answers it, 404);
            // the app's page stays.
            await page.Frames.Single(f => f.ParentFrame is not null).WaitForURLAsync(calledBack);
            Assert.Equal(origin + "/qr-login", page.Url);
        }
        else
        {
            // The app's page (the top window) goes to the callback, by the confirmation page's script.
            await page.WaitForURLAsync(calledBack);
            await Expect(page.Locator("#done")).ToHaveTextAsync("callback");
        }

        Assert.Empty(policyViolations);
        // Nothing from another origin: not even the style sheet the href option names.
        Assert.All(requests, url => Assert.Equal(origin, new Uri(url).GetLeftPart(UriPartial.Authority)));
    }

    [SkippableFact]
    public async Task On_a_desktop_the_sign_in_button_shows_the_QR_page_and_confirming_on_the_phone_signs_the_website_user_in()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        // Desktop Chrome: the routing scheme sends it to website QR login.
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN", UserAgent = UserAgents.Chrome });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/wechat-emulator/connect/qrconnect?appid=wxe2e2e2e2e2e2e2e2&redirect_uri=*&response_type=code&scope=snsapi_login&state=*");
        await Expect(page.Locator("#website")).ToHaveTextAsync("WeChat Emulator 示例网站");
        await Screenshot(page, "qr-1-page");
        await page.Locator("button.confirm", new() { HasText = "小明" }).ClickAsync();

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/Profile(#wechat_redirect)?$"));
        var xiaoMing = factory.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>().Options.Users[0];
        await Expect(page.Locator("#openid")).ToHaveTextAsync(xiaoMing.WebsiteOpenId);
        await Expect(page.Locator("#unionid")).ToHaveTextAsync(xiaoMing.UnionId!);
        await Expect(page.Locator("#nickname")).ToHaveTextAsync("小明 😀");
        await Expect(page.Locator("#app")).ToHaveAttributeAsync("data-app", "website");
        await Screenshot(page, "qr-2-profile");
    }

    [SkippableFact]
    public async Task The_embedded_QR_code_draws_in_the_sample_page_under_its_policy_and_signs_the_user_in()
    {
        var browser = RequireBrowser();
        var (factory, address) = KestrelHosts.StartSample("Development");
        await using var _ = factory;
        await using var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), Locale = "zh-CN", UserAgent = UserAgents.Chrome });
        var page = await context.NewPageAsync();
        var origin = address.GetLeftPart(UriPartial.Authority);
        var (requests, policyViolations) = Watch(page, strict: false);

        await page.GotoAsync("/");
        await page.ClickAsync("#sign-in-qr");
        await page.WaitForURLAsync("**/Account/QrCode?returnUrl=%2FProfile");
        var qr = page.FrameLocator("#wechat-qr iframe");
        await Expect(qr.Locator("#website")).ToHaveTextAsync("WeChat Emulator 示例网站");
        await Screenshot(page, "qr-embedded-sample");
        await qr.Locator("button.confirm", new() { HasText = "小明" }).ClickAsync();

        // The top window goes through the normal, fully checked callback to the return URL.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/Profile$"));
        var xiaoMing = factory.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>().Options.Users[0];
        await Expect(page.Locator("#openid")).ToHaveTextAsync(xiaoMing.WebsiteOpenId);
        Assert.True(policyViolations.IsEmpty, string.Join("\n", policyViolations));
        Assert.All(requests, url => Assert.Equal(origin, new Uri(url).GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>
    /// Every URL the page requests, and every console message about a Content-Security-Policy violation (with
    /// <paramref name="strict"/>, also anything blocked or refused; not Chrome's warning that allow-scripts with
    /// allow-same-origin can escape a sandbox: WeChat's embedders use both).
    /// </summary>
    private static (System.Collections.Concurrent.ConcurrentQueue<string> Requests, System.Collections.Concurrent.ConcurrentQueue<string> PolicyViolations) Watch(IPage page, bool strict)
    {
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var violations = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)
                || (strict && (message.Text.Contains("Blocked", StringComparison.Ordinal) || message.Text.Contains("Refused", StringComparison.Ordinal))))
            {
                violations.Enqueue(message.Text);
            }
        };
        return (requests, violations);
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
