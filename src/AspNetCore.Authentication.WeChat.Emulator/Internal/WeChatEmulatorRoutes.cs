using AspNetCore.Authentication.WeChat.Emulator.Apis;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>Who calls a route: the user's browser, or the app's server.</summary>
internal enum WeChatEmulatorAudience
{
    /// <summary>A page, script or image the browser opens (open.weixin.qq.com, res.wx.qq.com, WeChat's image servers).</summary>
    Browser,

    /// <summary>An API the app's server calls (api.weixin.qq.com); the in-process backchannel answers these.</summary>
    Server,
}

/// <summary>One of WeChat's paths and the emulator's implementation of it.</summary>
internal sealed record WeChatEmulatorRoute(
    string Method,
    string Path,
    WeChatEmulatorAudience Audience,
    Func<WeChatEmulator, WeChatEmulatorRequest, CancellationToken, Task<WeChatEmulatorResponse>> Handle);

/// <summary>
/// Every WeChat path the emulator answers, in one table: <c>MapWeChatEmulator</c> serves them over HTTP, the in-process
/// backchannel answers the server ones, and schemes are pointed at them. Adding a WeChat API is one file in
/// <c>Apis/</c> and one row here.
/// </summary>
internal static class WeChatEmulatorRoutes
{
    public static readonly WeChatEmulatorRoute AuthorizePage = new("GET", "/connect/oauth2/authorize", WeChatEmulatorAudience.Browser, AuthorizeApi.ShowAsync);

    public static readonly WeChatEmulatorRoute AuthorizeConsent = new("POST", "/connect/oauth2/authorize", WeChatEmulatorAudience.Browser, AuthorizeApi.ConsentAsync);

    // Website QR login (网站应用): the QR page, whole or in wxLogin.js's iframe, and its stand-in for the phone's answer.
    public static readonly WeChatEmulatorRoute QrConnectPage = new("GET", "/connect/qrconnect", WeChatEmulatorAudience.Browser, QrConnectApi.ShowAsync);

    public static readonly WeChatEmulatorRoute QrConnectConfirm = new("POST", "/connect/qrconnect", WeChatEmulatorAudience.Browser, QrConnectApi.ConfirmAsync);

    // WeChat serves wxLogin.js from its static host (https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js);
    // the emulator serves its stand-in at the same path under its prefix, beside the QR page the script frames.
    public static readonly WeChatEmulatorRoute WxLoginScript = new("GET", "/connect/zh_CN/htmledition/js/wxLogin.js", WeChatEmulatorAudience.Browser, WxLoginScriptApi.HandleAsync);

    public static readonly WeChatEmulatorRoute SnsAccessToken = new("GET", "/sns/oauth2/access_token", WeChatEmulatorAudience.Server, SnsAccessTokenApi.HandleAsync);

    public static readonly WeChatEmulatorRoute SnsUserInfo = new("GET", "/sns/userinfo", WeChatEmulatorAudience.Server, SnsUserInfoApi.HandleAsync);

    public static readonly WeChatEmulatorRoute SnsRefreshToken = new("GET", "/sns/oauth2/refresh_token", WeChatEmulatorAudience.Server, SnsRefreshTokenApi.HandleAsync);

    public static readonly WeChatEmulatorRoute SnsAuth = new("GET", "/sns/auth", WeChatEmulatorAudience.Server, SnsAuthApi.HandleAsync);

    public static readonly WeChatEmulatorRoute Token = new("GET", "/cgi-bin/token", WeChatEmulatorAudience.Server, TokenApi.HandleAsync);

    public static readonly WeChatEmulatorRoute StableToken = new("POST", "/cgi-bin/stable_token", WeChatEmulatorAudience.Server, StableTokenApi.HandleAsync);

    public static readonly WeChatEmulatorRoute StableTokenGet = new("GET", "/cgi-bin/stable_token", WeChatEmulatorAudience.Server, StableTokenApi.RequirePostAsync);

    public static readonly WeChatEmulatorRoute UserInfo = new("GET", "/cgi-bin/user/info", WeChatEmulatorAudience.Server, UserInfoApi.HandleAsync);

    public static readonly WeChatEmulatorRoute Avatar = new("GET", "/mmopen/{openid}/{size:int}", WeChatEmulatorAudience.Browser, AvatarApi.HandleAsync);

    public static readonly WeChatEmulatorRoute JsCode2Session = new("GET", "/sns/jscode2session", WeChatEmulatorAudience.Server, JsCode2SessionApi.HandleAsync);

    public static readonly WeChatEmulatorRoute JsCode2SessionPost = new("POST", "/sns/jscode2session", WeChatEmulatorAudience.Server, JsCode2SessionApi.PostAsync);

    public static readonly WeChatEmulatorRoute PhoneNumber = new("POST", "/wxa/business/getuserphonenumber", WeChatEmulatorAudience.Server, PhoneNumberApi.HandleAsync);

    public static readonly WeChatEmulatorRoute PhoneNumberGet = new("GET", "/wxa/business/getuserphonenumber", WeChatEmulatorAudience.Server, PhoneNumberApi.RequirePostAsync);

    public static readonly WeChatEmulatorRoute CheckSession = new("GET", "/wxa/checksession", WeChatEmulatorAudience.Server, CheckSessionApi.HandleAsync);

    // The mini-program simulator: the emulator's own paths (the browser stands in for the WeChat client).
    public static readonly WeChatEmulatorRoute MiniProgramPage = new("GET", "/miniprogram", WeChatEmulatorAudience.Browser, MiniProgramSimulatorApi.ShowAsync);

    public static readonly WeChatEmulatorRoute MiniProgramLogin = new("POST", "/miniprogram/login", WeChatEmulatorAudience.Browser, MiniProgramSimulatorApi.LoginAsync);

    public static readonly WeChatEmulatorRoute MiniProgramPhoneCode = new("POST", "/miniprogram/phone-code", WeChatEmulatorAudience.Browser, MiniProgramSimulatorApi.PhoneCodeAsync);

    public static readonly WeChatEmulatorRoute MiniProgramUserInfo = new("POST", "/miniprogram/user-info", WeChatEmulatorAudience.Browser, MiniProgramSimulatorApi.UserInfoAsync);

    public static IReadOnlyList<WeChatEmulatorRoute> All { get; } =
    [
        AuthorizePage, AuthorizeConsent, QrConnectPage, QrConnectConfirm, WxLoginScript, SnsAccessToken, SnsUserInfo, SnsRefreshToken, SnsAuth, Token, StableToken, StableTokenGet, UserInfo, Avatar,
        JsCode2Session, JsCode2SessionPost, PhoneNumber, PhoneNumberGet, CheckSession,
        MiniProgramPage, MiniProgramLogin, MiniProgramPhoneCode, MiniProgramUserInfo,
    ];

    /// <summary>
    /// The server route whose path <paramref name="path"/> ends with, for <paramref name="method"/> (any method when
    /// null), or <see langword="null"/>.
    /// </summary>
    public static WeChatEmulatorRoute? FindServerRoute(string path, string? method)
        => All.FirstOrDefault(r => r.Audience == WeChatEmulatorAudience.Server && path.EndsWith(r.Path, StringComparison.Ordinal)
            && (method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)));
}
