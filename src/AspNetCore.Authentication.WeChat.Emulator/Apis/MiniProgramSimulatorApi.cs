using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// The mini-program simulator, the browser's stand-in for the WeChat client running the mini-program:
/// <c>GET /miniprogram</c> shows the page; <c>POST /miniprogram/login</c> (as <c>wx.login</c>),
/// <c>/miniprogram/phone-code</c> (as the <c>getPhoneNumber</c> button) and <c>/miniprogram/user-info</c> (as
/// <c>wx.getUserInfo</c>) take <c>{"openid": the test user's official-account openid}</c> and answer what WeChat gives
/// the mini-program. Never a session_key: WeChat does not give it to the client either.
/// </summary>
internal static class MiniProgramSimulatorApi
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static Task<WeChatEmulatorResponse> ShowAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        var signIn = request["signin"] ?? WeChatMiniProgramDefaults.SignInPath;
        if (!IsLocalPath(signIn))
        {
            return Task.FromResult(WeChatEmulatorResponse.Html(WeChatEmulatorPages.Error("signin 必须是本站的路径，如 /signin-wechat-miniprogram / signin must be a path of this app, such as /signin-wechat-miniprogram.", Html), 400));
        }

        var emulatorPath = request.PathBase + emulator.Options.PathPrefix.TrimEnd('/');
        return Task.FromResult(WeChatEmulatorResponse.Html(WeChatEmulatorMiniProgramPage.Render(emulator.Options, emulatorPath, request.PathBase, signIn, Html)));
    }

    /// <summary>
    /// <c>{"code"}</c> as <c>wx.login</c> gives it, with the openid and unionid the app will see for it (a mini-program's
    /// openid differs from the official account's), so that a developer with curl knows whom a code signs in.
    /// </summary>
    public static Task<WeChatEmulatorResponse> LoginAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (FindUser(emulator, request, out var user) is { } refusal)
        {
            return Task.FromResult(refusal);
        }

        var code = emulator.IssueMiniProgramCode(user!);
        var signedIn = emulator.TryGetMiniProgramCodeUser(code, out var codeUser) ? codeUser! : user!;
        return Task.FromResult(Answer(new { code, miniProgramOpenId = signedIn.MiniProgramOpenId, unionid = signedIn.UnionId }));
    }

    public static Task<WeChatEmulatorResponse> PhoneCodeAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        => Task.FromResult(FindUser(emulator, request, out var user)
            ?? (string.IsNullOrEmpty(user!.PhoneNumber)
                ? Refuse("这个测试用户没有绑定手机号 / This test user has no phone number.")
                : Answer(new { code = emulator.IssuePhoneNumberCode(user) })));

    public static Task<WeChatEmulatorResponse> UserInfoAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
    {
        if (FindUser(emulator, request, out var user) is { } refusal)
        {
            return Task.FromResult(refusal);
        }

        if (emulator.CurrentSessionKey(user!) is null)
        {
            return Task.FromResult(Refuse("请先登录（wx.login）/ Sign in first (wx.login): the user has no session_key yet."));
        }

        var data = emulator.EncryptUserInfo(user!, request.BaseUrl);
        return Task.FromResult(Answer(new { encryptedData = data.EncryptedData, iv = data.Iv, rawData = data.RawData, signature = data.Signature }));
    }

    /// <summary>
    /// A path of this app: one leading '/', not '//' or '/\' (which browsers read as another host), no control
    /// characters or white space.
    /// </summary>
    internal static bool IsLocalPath(string path)
        => path is ['/', ..] && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal)
           && path.Length <= 256 && !path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    /// <summary>
    /// The test user a browser route is for, by the official-account openid the page lists; null and the user, or the
    /// 400 answer. The body must be JSON (a cross-site form cannot send that without the app's consent).
    /// </summary>
    private static WeChatEmulatorResponse? FindUser(WeChatEmulator emulator, WeChatEmulatorRequest request, out WeChatEmulatorUser? user)
    {
        user = null;
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse("请以 JSON 发送 / Send JSON (Content-Type: application/json).");
        }

        string? openId;
        try
        {
            using var json = JsonDocument.Parse(request.Body);
            openId = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("openid", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return Refuse("请求不是有效的 JSON / The body is not valid JSON.");
        }

        user = emulator.Options.Users.FirstOrDefault(u => u.OpenId == openId);
        return user is null ? Refuse("没有这个测试用户 / No such test user: send the openid the page lists.") : null;
    }

    // Chinese stays readable (no \u escapes), as in WeChat's own answers.
    private static WeChatEmulatorResponse Answer<T>(T body) => WeChatEmulatorResponse.BrowserJson(WeChatEmulatorJson.Serialize(body));

    private static WeChatEmulatorResponse Refuse(string error) => WeChatEmulatorResponse.BrowserJson(WeChatEmulatorJson.Serialize(new { error }), 400);
}
