namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// Options of the local WeChat emulator.
/// </summary>
public sealed class WeChatEmulatorOptions
{
    /// <summary>
    /// Gets or sets whether the emulator may run outside the Development environment. Off by default, so that a
    /// production deployment can never sign users in against test users by accident.
    /// </summary>
    public bool AllowOutsideDevelopment { get; set; }

    /// <summary>Gets or sets the path under which <c>MapWeChatEmulator</c> serves WeChat's endpoints.</summary>
    /// <remarks>Defaults to <c>/wechat-emulator</c>.</remarks>
    public string PathPrefix { get; set; } = "/wechat-emulator";

    /// <summary>Gets or sets the emulated official account's AppID.</summary>
    public string AppId { get; set; } = "wxe0e0e0e0e0e0e0e0";

    /// <summary>
    /// Gets or sets the emulated AppSecret. When empty (the default), a random one is made at start-up.
    /// </summary>
    public string? AppSecret { get; set; }

    /// <summary>Gets or sets the app name shown on the consent page.</summary>
    public string AppName { get; set; } = "WeChat Emulator 示例公众号";

    /// <summary>
    /// Gets or sets the emulated mini-program's AppID: the second app of the emulated Open Platform account, beside the
    /// official account (<see cref="AppId"/>). Its users have their own openids and the same unionids.
    /// </summary>
    /// <remarks>Defaults to <c>wxe1e1e1e1e1e1e1e1</c>.</remarks>
    public string MiniProgramAppId { get; set; } = "wxe1e1e1e1e1e1e1e1";

    /// <summary>
    /// Gets or sets the mini-program's AppSecret. When empty (the default), a random one is made at start-up. The official
    /// account's secret is not the mini-program's, and the other way round.
    /// </summary>
    public string? MiniProgramAppSecret { get; set; }

    /// <summary>Gets or sets the mini-program's name, shown on the mini-program simulator page.</summary>
    /// <remarks>Defaults to <c>WeChat Emulator 示例小程序</c>.</remarks>
    public string MiniProgramName { get; set; } = "WeChat Emulator 示例小程序";

    /// <summary>
    /// Gets or sets the emulated website app's AppID (网站应用): the third app of the emulated Open Platform account,
    /// which signs users in by QR code (<c>connect/qrconnect</c>, scope <c>snsapi_login</c>). A user has an openid of
    /// their own there (<see cref="WeChatEmulatorUser.WebsiteOpenId"/>) and the same unionid.
    /// </summary>
    /// <remarks>Defaults to <c>wxe2e2e2e2e2e2e2e2</c>.</remarks>
    public string WebsiteAppId { get; set; } = "wxe2e2e2e2e2e2e2e2";

    /// <summary>
    /// Gets or sets the website app's AppSecret. When empty (the default), a random one is made at start-up. It is not
    /// the official account's or the mini-program's secret, nor they its.
    /// </summary>
    public string? WebsiteAppSecret { get; set; }

    /// <summary>Gets or sets the website's name, shown on the QR login page.</summary>
    /// <remarks>Defaults to <c>WeChat Emulator 示例网站</c>.</remarks>
    public string WebsiteName { get; set; } = "WeChat Emulator 示例网站";

    /// <summary>
    /// Gets or sets how long a code of the QR login page (the website app's) can be exchanged. WeChat: 10 minutes for
    /// website codes, against 5 for the official account's (<see cref="CodeLifetime"/>).
    /// </summary>
    /// <remarks>Defaults to 10 minutes.</remarks>
    public TimeSpan WebsiteCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets whether a user who refuses on the QR login page is sent back to <c>redirect_uri</c> with the state
    /// only, as WeChat's documentation said from 2015 to 2020. Off by default: WeChat's current documentation says no
    /// redirect happens ("若用户禁止授权，则不会发生重定向"), and the page says the user refused on the phone.
    /// </summary>
    public bool QrConnectRefusalRedirects { get; set; }

    /// <summary>
    /// Gets or sets whether the authorize page and the QR login page refuse URLs whose parameters are not in WeChat's
    /// order, as WeChat does.
    /// </summary>
    public bool StrictParameterOrder { get; set; } = true;

    /// <summary>
    /// Gets or sets how long an official account's authorization code, a mini-program's <c>wx.login</c> code or a
    /// phone-number code can be exchanged. WeChat: 5 minutes. Website codes have <see cref="WebsiteCodeLifetime"/>.
    /// </summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets whether every code (official account, website or mini-program) is issued for a new, distinct user
    /// instead of the chosen one (for load tests, where each sign-in must end as its own user). These users follow the
    /// official account (<c>cgi-bin/user/info</c>) and have a phone number.
    /// </summary>
    public bool DistinctUserPerCode { get; set; }

    /// <summary>
    /// Gets or sets whether <c>snsapi_userinfo</c> is authorized without the consent page, as WeChat does for a user
    /// who follows the official account and opens the page from its chat or menu. The first test user signs in (a new
    /// one per code with <see cref="DistinctUserPerCode"/>). Off by default.
    /// </summary>
    public bool SilentAuthorization { get; set; }

    /// <summary>
    /// Gets or sets an <c>errcode</c> that <c>cgi-bin/token</c> and <c>stable_token</c> answer instead of a token, to try
    /// an app's handling of WeChat's refusals: 40164 (the caller's IP is not whitelisted; the message names an IP, as
    /// WeChat's does), 89503 (an administrator must confirm the IP), 45009 (the daily quota is used up), -1 (busy).
    /// Null (the default) answers with tokens. May be changed while the app runs.
    /// </summary>
    public int? GlobalTokenErrorCode { get; set; }

    /// <summary>Gets or sets how long a global access token lives. WeChat: 7,200 seconds.</summary>
    public TimeSpan GlobalTokenLifetime { get; set; } = TimeSpan.FromSeconds(7200);

    /// <summary>Gets or sets how many <c>cgi-bin/token</c> calls a day succeed before 45009. WeChat: 2,000.</summary>
    public int ClassicTokenDailyQuota { get; set; } = 2000;

    /// <summary>
    /// Gets the host names (like WeChat's 网页授权域名: exact hosts, any port) a standalone emulator may send codes to.
    /// </summary>
    /// <remarks>
    /// Empty by default. An emulator that serves the app it runs in sends codes only back to that app's own origin.
    /// A standalone emulator (an app with no WeChat scheme of its own) serves nothing until hosts are listed here, so
    /// that it can never become an open redirect.
    /// </remarks>
    public IList<string> RedirectDomains { get; } = new List<string>();

    /// <summary>
    /// Gets the test users offered on the consent page, the QR login page and the mini-program simulator.
    /// <c>snsapi_base</c> signs in the first one. When none are configured (for example under <c>WeChatEmulator:Users</c>), four default users are added:
    /// one with an emoji and Chinese nickname, a unionid and a phone number who follows the official account; one with a
    /// phone number but without unionid who does not; one whose token exchange and <c>jscode2session</c> answer errcode
    /// -1; and a high-risk one whose mini-program sign-in answers 40226.
    /// </summary>
    public IList<WeChatEmulatorUser> Users { get; } = new List<WeChatEmulatorUser>();

    internal void AddDefaultUsersIfNone()
    {
        if (Users.Count == 0)
        {
            foreach (var user in DefaultUsers())
            {
                Users.Add(user);
            }
        }
    }

    private static List<WeChatEmulatorUser> DefaultUsers() =>
    [
        new()
        {
            OpenId = "oEmu_XiaoMing_6bmasdsad6_2sgVt7hM",
            UnionId = "uEmu_XiaoMing_o6_bmasdasdsad6_2sg",
            Nickname = "小明 😀",
            Subscribed = true,
            PhoneNumber = "13800138000",
            Description = "有 unionid / with unionid",
        },
        new()
        {
            OpenId = "oEmu_LiLei_9xk2LmQ7vR3sT8uW1yZ4aB",
            Nickname = "Li Lei",
            PhoneNumber = "13900139000",
            Description = "无 unionid / without unionid",
        },
        new()
        {
            OpenId = "oEmu_Busy_000000000000000000000000",
            Nickname = "系统繁忙",
            TokenErrorCode = -1,
            Description = "换取 token 时返回 errcode -1 / token exchange answers errcode -1",
        },
        new()
        {
            OpenId = "oEmu_HighRisk_0000000000000000000",
            Nickname = "高风险用户",
            IsHighRisk = true,
            Description = "小程序登录返回 40226 / mini-program sign-in answers 40226",
        },
    ];
}
