using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests.QrConnect;

/// <summary>One "Sign in with WeChat" button: the routing scheme sends each browser to the sign-in it can use.</summary>
public class BrowserRoutingTests
{
    public const string WeChatAndroid = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240301 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003137) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
    public const string WeChatIos = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.48(0x18003030) NetType/WIFI Language/zh_CN";
    public const string WeChatWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) XWEB/9129";
    public const string WeCom = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light";
    public const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public const string Edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
    public const string Safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
    public const string MobileSafari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
    public const string AndroidChrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36";

    private const string OfficialAccountPage = "https://open.weixin.qq.com/connect/oauth2/authorize?";
    private const string QrPage = "https://open.weixin.qq.com/connect/qrconnect?";

    [Theory]
    [InlineData(WeChatAndroid, OfficialAccountPage)]
    [InlineData(WeChatIos, OfficialAccountPage)]
    [InlineData(WeChatWindows, OfficialAccountPage)]
    [InlineData(WeCom, QrPage)]
    [InlineData(Chrome, QrPage)]
    [InlineData(Edge, QrPage)]
    [InlineData(Safari, QrPage)]
    [InlineData(MobileSafari, QrPage)]
    [InlineData(AndroidChrome, QrPage)]
    [InlineData("", QrPage)]
    public async Task Each_browser_is_sent_to_the_sign_in_it_can_use(string userAgent, string expected)
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var browser = host.CreateBrowser();

        var response = await browser.GetAsync("/challenge/" + WeChatBrowserRoutingDefaults.AuthenticationScheme, r => r.Headers.TryAddWithoutValidation("User-Agent", userAgent));

        Assert.StartsWith(expected, response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_routed_sign_in_completes_through_the_scheme_it_was_sent_to()
    {
        await using var host = await QrConnectTestHost.StartAsync();
        var desktop = host.CreateBrowser();
        var phone = host.CreateBrowser();

        var qr = await desktop.GetAsync("/challenge/WeChatBrowser", r => r.Headers.TryAddWithoutValidation("User-Agent", Chrome));
        await desktop.GetAsync(host.Fake.ScanQrCode(qr.Headers.Location!, FakeWeChatUser.Alice));
        var authorize = await phone.GetAsync("/challenge/WeChatBrowser", r => r.Headers.TryAddWithoutValidation("User-Agent", WeChatIos));
        await phone.GetAsync(host.Fake.Authorize(authorize.Headers.Location!, FakeWeChatUser.Alice));

        Assert.Equal(FakeWeChatUser.Alice.WebsiteOpenId, (await WeChatTestHost.GetMeAsync(desktop)).Find(WeChatClaimTypes.OpenId));
        Assert.Equal(FakeWeChatUser.Alice.OpenId, (await WeChatTestHost.GetMeAsync(phone)).Find(WeChatClaimTypes.OpenId));
    }

    [Fact]
    public async Task WeCom_and_phone_browsers_can_be_routed_elsewhere_and_a_selector_comes_first()
    {
        await using var host = await QrConnectTestHost.StartAsync(routing: o =>
        {
            o.WeComScheme = WeChatAuthenticationDefaults.AuthenticationScheme;
            o.MobileBrowserScheme = WeChatAuthenticationDefaults.AuthenticationScheme;
            o.SelectScheme = context => context.Request.Query.ContainsKey("qr") ? WeChatQrConnectDefaults.AuthenticationScheme : null;
        });

        async Task<string> RouteAsync(string userAgent, string query = "")
            => (await host.CreateBrowser().GetAsync("/challenge/WeChatBrowser" + query, r => r.Headers.TryAddWithoutValidation("User-Agent", userAgent))).Headers.Location!.ToString();

        Assert.StartsWith(OfficialAccountPage, await RouteAsync(WeCom), StringComparison.Ordinal);
        Assert.StartsWith(OfficialAccountPage, await RouteAsync(MobileSafari), StringComparison.Ordinal);
        Assert.StartsWith(QrPage, await RouteAsync(Chrome), StringComparison.Ordinal);
        Assert.StartsWith(QrPage, await RouteAsync(WeChatIos, "?qr=1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Missing")]
    [InlineData(WeChatBrowserRoutingDefaults.AuthenticationScheme)]
    [InlineData("Cookies")]
    public async Task A_selector_can_only_choose_among_the_routings_own_schemes(string answer)
    {
        // A selector that reads the request (?via=…) lets the visitor name the scheme: an unknown one was a 500
        // (InvalidOperationException), the routing scheme itself a 500 (NotImplementedException), any other scheme of
        // the app (here the cookie scheme's login page) was reachable. They are ignored: the browser is routed as usual.
        await using var host = await QrConnectTestHost.StartAsync(routing: o => o.SelectScheme = context => context.Request.Query["via"]);

        var response = await host.CreateBrowser().GetAsync("/challenge/WeChatBrowser?via=" + answer, r => r.Headers.TryAddWithoutValidation("User-Agent", Chrome));

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(QrPage, response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var warning = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatBrowserRoutingSelectionIgnored");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(1402, warning.EventId.Id);
        // The visitor's text never reaches the log.
        Assert.DoesNotContain(answer, warning.Message.Replace("'WeChatBrowser'", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Chrome, then WeChat", OfficialAccountPage)]
    [InlineData("huge", OfficialAccountPage)]
    [InlineData("lower case", OfficialAccountPage)]
    [InlineData("inside another token", OfficialAccountPage)]
    [InlineData("control characters", QrPage)]
    public async Task Whatever_the_User_Agent_says_it_only_picks_between_the_two_sign_ins(string userAgent, string expected)
    {
        // The visitor chooses their own browser's flow, nothing more: no header makes the routing fail or go elsewhere.
        await using var host = await QrConnectTestHost.StartAsync();

        var response = await host.CreateBrowser().GetAsync("/challenge/WeChatBrowser", r =>
        {
            foreach (var value in userAgent switch
            {
                "Chrome, then WeChat" => new[] { Chrome, "MicroMessenger/8.0.49" },
                "huge" => [new string('x', 60_000) + " MicroMessenger/8.0"],
                "lower case" => ["micromessenger/8.0"],
                "inside another token" => ["Bot/1.0 (+NotMicroMessengerReally)"],
                _ => ["Mozilla/5.0 \u0000\r\n<script>"],
            })
            {
                r.Headers.TryAddWithoutValidation("User-Agent", value);
            }
        });

        Assert.StartsWith(expected, response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OfficialAccountScheme", "Missing", "'OfficialAccountScheme' option is 'Missing', which is not a registered authentication scheme")]
    [InlineData("QrConnectScheme", "Missing", "'QrConnectScheme' option is 'Missing', which is not a registered authentication scheme")]
    [InlineData("QrConnectScheme", "WeChat", "'QrConnectScheme' option is 'WeChat', which is not a AddWeChatQrConnect scheme")]
    [InlineData("OfficialAccountScheme", "Cookies", "'OfficialAccountScheme' option is 'Cookies', which is not a AddWeChat scheme")]
    [InlineData("WeComScheme", "Missing", "'WeComScheme' option is 'Missing', which is not a registered authentication scheme")]
    public async Task Routing_to_a_scheme_that_is_not_there_stops_the_app_at_start_up(string setting, string value, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => QrConnectTestHost.StartAsync(routing: o => typeof(WeChatBrowserRoutingOptions).GetProperty(setting)!.SetValue(o, value)));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WeChatNameIdentifierSource.UnionId, WeChatNameIdentifierSource.OpenId, true)]
    [InlineData(WeChatNameIdentifierSource.OpenId, WeChatNameIdentifierSource.OpenId, true)]
    [InlineData(WeChatNameIdentifierSource.UnionIdOrOpenId, WeChatNameIdentifierSource.UnionId, true)]
    [InlineData(WeChatNameIdentifierSource.UnionId, WeChatNameIdentifierSource.UnionId, false)]
    [InlineData(WeChatNameIdentifierSource.UnionIdOrOpenId, WeChatNameIdentifierSource.UnionIdOrOpenId, false)]
    public async Task Start_up_warns_when_the_routed_schemes_would_not_give_one_person_one_name_identifier(WeChatNameIdentifierSource officialAccount, WeChatNameIdentifierSource qrConnect, bool warns)
    {
        await using var host = await QrConnectTestHost.StartAsync(o => o.NameIdentifierSource = qrConnect, o => o.NameIdentifierSource = officialAccount);

        var warnings = host.Logs.Entries.Where(e => e.EventId.Name == "WeChatBrowserRoutingIdentityMismatch").ToList();

        Assert.Equal(warns ? 1 : 0, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
    }
}
