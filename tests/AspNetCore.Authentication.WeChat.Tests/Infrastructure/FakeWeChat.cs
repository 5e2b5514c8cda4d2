using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace AspNetCore.Authentication.WeChat.Tests.Infrastructure;

/// <summary>
/// WeChat's web authorization APIs as WeChat documents them and as they behave: single-use codes, errors as HTTP 200
/// with errcode, text/plain JSON, 48001 on /sns/userinfo for snsapi_base tokens. Any request it does not know is
/// recorded in <see cref="UnexpectedRequests"/> and answered 404.
/// </summary>
public sealed partial class FakeWeChat : HttpMessageHandler
{
    public const string AppId = "wx1234567890abcdef";
    public const string AppSecret = "AppSecret_0123456789abcdef_SECRET";

    /// <summary>The website app (QR login) of the same Open Platform account: its own AppID, secret and openids.</summary>
    public const string WebsiteAppId = "wxweb0123456789abc";
    public const string WebsiteAppSecret = "WebsiteSecret_0123456789abcdef_SECRET";

    private readonly ConcurrentDictionary<string, (FakeWeChatUser User, string Scope, string AppId)> _codes = new();
    private readonly ConcurrentDictionary<string, byte> _usedCodes = new();
    private readonly ConcurrentDictionary<string, (FakeWeChatUser User, string Scope, string AppId)> _accessTokens = new();

    /// <summary>Every access and refresh token the fake issued: none may ever leak.</summary>
    public ConcurrentBag<string> IssuedSecrets { get; } = [];

    public ConcurrentQueue<Uri> Requests { get; } = new();

    public ConcurrentQueue<string> UnexpectedRequests { get; } = new();

    /// <summary>When set, answers the token endpoint instead of the normal behaviour.</summary>
    public Func<HttpResponseMessage>? TokenResponse { get; set; }

    /// <summary>When set, answers the user information endpoint instead of the normal behaviour.</summary>
    public Func<HttpResponseMessage>? UserInfoResponse { get; set; }

    /// <summary>When set, answers any other request it returns an answer for (other WeChat APIs a test needs).</summary>
    public Func<HttpRequestMessage, HttpResponseMessage?>? OtherApis { get; set; }

    /// <summary>How long the token endpoint waits before answering.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>The Content-Type of JSON answers; WeChat's sns endpoints send text/plain without charset.</summary>
    public string ContentType { get; set; } = "text/plain";

    public int TokenRequests => Requests.Count(r => r.AbsolutePath == "/sns/oauth2/access_token");

    public int UserInfoRequests => Requests.Count(r => r.AbsolutePath == "/sns/userinfo");

    /// <summary>
    /// What WeChat's authorize page does when the user consents: checks the URL as WeChat does and returns the
    /// callback URL with a fresh single-use code.
    /// </summary>
    public string Authorize(Uri authorizeUrl, FakeWeChatUser user)
    {
        var (redirectUri, scope, state) = CheckAuthorizeUrl(authorizeUrl);
        return IssueCode(redirectUri, user, scope, AppId, state);
    }

    /// <summary>
    /// What WeChat's QR page does when the user scans and confirms on the phone: checks the qrconnect URL as WeChat does
    /// and returns the callback URL with a fresh single-use code of the website app.
    /// </summary>
    public string ScanQrCode(Uri qrConnectUrl, FakeWeChatUser user)
    {
        var match = QrConnectQuery().Match(qrConnectUrl.Query);
        Assert.True(match.Success, $"WeChat would refuse this qrconnect URL (该链接无法访问): {qrConnectUrl}");
        Assert.Equal("https://open.weixin.qq.com/connect/qrconnect", qrConnectUrl.GetLeftPart(UriPartial.Path));
        Assert.Equal("#wechat_redirect", qrConnectUrl.Fragment);
        Assert.Equal(WebsiteAppId, match.Groups["appid"].Value);
        return IssueCode(Uri.UnescapeDataString(match.Groups["redirect"].Value), user, "snsapi_login", WebsiteAppId, match.Groups["state"].Value);
    }

    /// <summary>What the embedded QR code (wxLogin.js) does after the user confirms: its options' callback with a code.</summary>
    public string ScanEmbeddedQrCode(string appId, string escapedRedirectUri, string state, FakeWeChatUser user)
    {
        Assert.Equal(WebsiteAppId, appId);
        return IssueCode(Uri.UnescapeDataString(escapedRedirectUri), user, "snsapi_login", appId, state);
    }

    private string IssueCode(string redirectUri, FakeWeChatUser user, string scope, string appId, string state)
    {
        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _codes[code] = (user, scope, appId);
        return AppendQuery(redirectUri, $"code={code}&state={state}");
    }

    /// <summary>What WeChat does when the user refuses (the documented redirect with state only).</summary>
    public static string Refuse(Uri authorizeUrl)
    {
        var (redirectUri, _, state) = CheckAuthorizeUrl(authorizeUrl);
        return AppendQuery(redirectUri, $"state={state}");
    }

    public static (string RedirectUri, string Scope, string State) CheckAuthorizeUrl(Uri authorizeUrl)
    {
        // WeChat checks the query with a strict pattern: this order, these names.
        var match = AuthorizeQuery().Match(authorizeUrl.Query);
        Assert.True(match.Success, $"WeChat would refuse this authorize URL (该链接无法访问): {authorizeUrl}");
        Assert.Equal("#wechat_redirect", authorizeUrl.Fragment);
        Assert.Equal(AppId, match.Groups["appid"].Value);
        var state = match.Groups["state"].Value;
        Assert.InRange(Encoding.UTF8.GetByteCount(state), 1, 128);
        return (Uri.UnescapeDataString(match.Groups["redirect"].Value), Uri.UnescapeDataString(match.Groups["scope"].Value), state);
    }

    public static HttpResponseMessage Json(string body, string contentType = "text/plain", HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return response;
    }

    public static HttpResponseMessage Error(int errcode, string errmsg)
        => Json($$"""{"errcode":{{errcode}},"errmsg":"{{errmsg}}, rid: 645ca8fe-448ccd42-1a78a4b0"}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        Requests.Enqueue(uri);
        if (uri.AbsolutePath is not ("/sns/oauth2/access_token" or "/sns/userinfo") && OtherApis?.Invoke(request) is { } other)
        {
            other.RequestMessage = request;
            return other;
        }

        if (request.Method != HttpMethod.Get || uri.Host != "api.weixin.qq.com")
        {
            return Unexpected(request);
        }

        var query = QueryHelpers.ParseQuery(uri.Query);
        switch (uri.AbsolutePath)
        {
            case "/sns/oauth2/access_token":
                if (TokenDelay > TimeSpan.Zero)
                {
                    await Task.Delay(TokenDelay, cancellationToken);
                }

                return TokenResponse?.Invoke() ?? Token(query);
            case "/sns/userinfo":
                return UserInfoResponse?.Invoke() ?? UserInfo(query);
            default:
                return Unexpected(request);
        }
    }

    private HttpResponseMessage Token(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        var appId = query.GetValueOrDefault("appid").ToString();
        if (appId is not (AppId or WebsiteAppId))
        {
            return Error(40013, "invalid appid");
        }

        if (query.GetValueOrDefault("secret") != (appId == AppId ? AppSecret : WebsiteAppSecret))
        {
            return Error(40125, "invalid appsecret");
        }

        if (query.GetValueOrDefault("grant_type") != "authorization_code")
        {
            return Error(40002, "invalid grant_type");
        }

        var code = query.GetValueOrDefault("code").ToString();
        // A code is its app's: another app's AppID gets "invalid code".
        if (_codes.TryGetValue(code, out var pending) && pending.AppId != appId)
        {
            return Error(40029, "invalid code");
        }

        if (!_codes.TryRemove(code, out var grant))
        {
            return _usedCodes.ContainsKey(code) ? Error(40163, "code been used") : Error(40029, "invalid code");
        }

        _usedCodes[code] = 0;
        var accessToken = "ACCESS_" + RandomNumberGenerator.GetHexString(40);
        var refreshToken = "REFRESH_" + RandomNumberGenerator.GetHexString(40);
        IssuedSecrets.Add(accessToken);
        IssuedSecrets.Add(refreshToken);
        _accessTokens[accessToken] = grant;

        var body = new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["expires_in"] = 7200,
            ["refresh_token"] = refreshToken,
            ["openid"] = OpenIdOf(grant),
            ["scope"] = grant.Scope,
        };
        if (grant.User.IsSnapshotUser)
        {
            body["is_snapshotuser"] = 1;
        }

        // Since 2017-12-31 WeChat returns unionid to snsapi_base only where the user granted userinfo before.
        if (grant.User.UnionId is not null && grant.Scope is "snsapi_userinfo" or "snsapi_login")
        {
            body["unionid"] = grant.User.UnionId;
        }

        return Json(JsonSerializer.Serialize(body), ContentType);
    }

    private HttpResponseMessage UserInfo(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_accessTokens.TryGetValue(query.GetValueOrDefault("access_token").ToString(), out var grant))
        {
            return Error(40014, "invalid access_token");
        }

        if (query.GetValueOrDefault("openid") != OpenIdOf(grant))
        {
            return Error(40003, "invalid openid");
        }

        if (grant.Scope is not ("snsapi_userinfo" or "snsapi_login") || grant.User.IsSnapshotUser)
        {
            return Error(48001, "api unauthorized");
        }

        var user = grant.User;
        var body = new Dictionary<string, object>
        {
            ["openid"] = OpenIdOf(grant),
            ["nickname"] = user.Nickname,
            ["sex"] = user.Sex,
            ["province"] = user.Province,
            ["city"] = user.City,
            ["country"] = user.Country,
            ["headimgurl"] = user.HeadImageUrl,
            ["privilege"] = user.Privileges ?? [],
        };
        if (user.UnionId is not null)
        {
            body["unionid"] = user.UnionId;
        }

        LastLanguage = query.GetValueOrDefault("lang").ToString();
        return Json(JsonSerializer.Serialize(body, RelaxedJson), ContentType);
    }

    public string? LastLanguage { get; private set; }

    // WeChat sends nicknames as raw UTF-8, not \u escapes.
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private HttpResponseMessage Unexpected(HttpRequestMessage request)
    {
        UnexpectedRequests.Enqueue($"{request.Method} {request.RequestUri}");
        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    // Openids are per app; the unionid is the person's.
    private static string OpenIdOf((FakeWeChatUser User, string Scope, string AppId) grant)
        => grant.AppId == WebsiteAppId ? grant.User.WebsiteOpenId : grant.User.OpenId;

    private static string AppendQuery(string uri, string query) => uri + (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    [GeneratedRegex(@"^\?appid=(?<appid>[^&]+)&redirect_uri=(?<redirect>[^&]+)&response_type=code&scope=(?<scope>[^&]+)&state=(?<state>[A-Za-z0-9]+)(&forcePopup=true)?$")]
    private static partial Regex AuthorizeQuery();

    [GeneratedRegex(@"^\?appid=(?<appid>[^&]+)&redirect_uri=(?<redirect>[^&]+)&response_type=code&scope=snsapi_login&state=(?<state>[A-Za-z0-9]+)(&lang=en)?$")]
    private static partial Regex QrConnectQuery();
}
