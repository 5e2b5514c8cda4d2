using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>A mini-program user of the fake WeChat.</summary>
public sealed record FakeMiniProgramUser(string OpenId, string? UnionId = null, string PhoneNumber = "13800138000");

/// <summary>
/// WeChat's mini-program APIs as they answer: <c>sns/jscode2session</c> (GET only, single-use codes, a session_key per
/// code), <c>cgi-bin/stable_token</c>, <c>wxa/business/getuserphonenumber</c> and <c>wxa/checksession</c>; errors as HTTP
/// 200 with errcode in text/plain. Anything else is recorded as unexpected.
/// </summary>
public sealed class FakeMiniProgramWeChat : HttpMessageHandler
{
    public const string AppId = "wxa1b2c3d4e5f60718";
    public const string AppSecret = "MiniSecret_0123456789abcdef_SECRET";
    public const string GlobalToken = "MINI_GLOBAL_TOKEN_0123456789";

    private readonly ConcurrentDictionary<string, (FakeMiniProgramUser User, string SessionKey)> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeMiniProgramUser> _phoneCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _used = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sessionKeys = new(StringComparer.Ordinal);

    public ConcurrentQueue<Uri> Requests { get; } = new();

    public ConcurrentQueue<string> UnexpectedRequests { get; } = new();

    /// <summary>Every session_key the fake handed out: none may appear in a response, a log or a claim.</summary>
    public ConcurrentBag<string> IssuedSessionKeys { get; } = [];

    /// <summary>Replaces the answer of jscode2session for a code (after it was counted).</summary>
    public Func<string, HttpResponseMessage?>? SessionResponse { get; set; }

    /// <summary>Replaces the answer of getuserphonenumber.</summary>
    public Func<HttpResponseMessage?>? PhoneResponse { get; set; }

    public TimeSpan SessionDelay { get; set; }

    private int _globalTokens;

    /// <summary>The first global token is <see cref="GlobalToken"/>, later ones (after a rejection) get a suffix.</summary>
    private string NextGlobalToken() => Interlocked.Increment(ref _globalTokens) == 1 ? GlobalToken : GlobalToken + "_" + _globalTokens;

    private static bool IsGlobalToken(string? token) => token is not null && token.StartsWith(GlobalToken, StringComparison.Ordinal);

    public int SessionRequests => Requests.Count(r => r.AbsolutePath == "/sns/jscode2session");

    public int PhoneRequests => Requests.Count(r => r.AbsolutePath == "/wxa/business/getuserphonenumber");

    /// <summary>A code for the user (wx.login), which rotates the user's session_key.</summary>
    public string Login(FakeMiniProgramUser user, string? sessionKey = null)
    {
        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        sessionKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        _codes[code] = (user, sessionKey);
        IssuedSessionKeys.Add(sessionKey);
        return code;
    }

    public string PhoneCode(FakeMiniProgramUser user)
    {
        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _phoneCodes[code] = user;
        return code;
    }

    /// <summary>The user's session_key as of their last exchanged code.</summary>
    public string SessionKeyOf(FakeMiniProgramUser user) => _sessionKeys[user.OpenId];

    /// <summary>Open data as WeChat encrypts it: the JSON with a watermark, AES-128-CBC with the session_key.</summary>
    public static (string EncryptedData, string Iv) Encrypt(string sessionKey, string json)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var iv = RandomNumberGenerator.GetBytes(16);
        return (Convert.ToBase64String(aes.EncryptCbc(Encoding.UTF8.GetBytes(json), iv, PaddingMode.PKCS7)), Convert.ToBase64String(iv));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        Requests.Enqueue(uri);
        var query = HttpUtility.ParseQueryString(uri.Query);
        var response = (request.Method.Method, uri.AbsolutePath) switch
        {
            ("GET", "/sns/jscode2session") => await SessionAsync(query, cancellationToken),
            // WeChat's answer to a POST: https://blog.csdn.net/LYT_XLS/article/details/116333475
            ("POST", "/sns/jscode2session") => FakeWeChat.Error(41002, "appid missing"),
            ("POST", "/cgi-bin/stable_token") => FakeWeChat.Json($$"""{"access_token":"{{NextGlobalToken()}}","expires_in":7200}"""),
            ("POST", "/wxa/business/getuserphonenumber") => await PhoneAsync(request, query, cancellationToken),
            ("GET", "/wxa/checksession") => CheckSession(query),
            _ => null,
        };
        if (response is null)
        {
            UnexpectedRequests.Enqueue(request.Method + " " + uri.GetLeftPart(UriPartial.Path));
            response = new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        response.RequestMessage = request;
        return response;
    }

    private async Task<HttpResponseMessage> SessionAsync(System.Collections.Specialized.NameValueCollection query, CancellationToken cancellationToken)
    {
        if (SessionDelay > TimeSpan.Zero)
        {
            await Task.Delay(SessionDelay, cancellationToken);
        }

        var code = query["js_code"] ?? "";
        if (SessionResponse?.Invoke(code) is { } replaced)
        {
            return replaced;
        }

        if (query["appid"] != AppId)
        {
            return FakeWeChat.Error(40013, "invalid appid");
        }

        if (query["secret"] != AppSecret)
        {
            return FakeWeChat.Error(40125, "invalid appsecret");
        }

        if (query["grant_type"] != "authorization_code")
        {
            return FakeWeChat.Error(40002, "invalid grant_type");
        }

        if (!_codes.TryRemove(code, out var grant))
        {
            return _used.ContainsKey(code) ? FakeWeChat.Error(40163, "code been used") : FakeWeChat.Error(40029, "invalid code");
        }

        _used[code] = true;
        _sessionKeys[grant.User.OpenId] = grant.SessionKey;
        var body = new Dictionary<string, string> { ["openid"] = grant.User.OpenId, ["session_key"] = grant.SessionKey };
        if (grant.User.UnionId is { } unionId)
        {
            body["unionid"] = unionId;
        }

        return FakeWeChat.Json(JsonSerializer.Serialize(body));
    }

    private async Task<HttpResponseMessage> PhoneAsync(HttpRequestMessage request, System.Collections.Specialized.NameValueCollection query, CancellationToken cancellationToken)
    {
        if (PhoneResponse?.Invoke() is { } replaced)
        {
            return replaced;
        }

        if (!IsGlobalToken(query["access_token"]))
        {
            return FakeWeChat.Error(40001, "invalid credential, access_token is invalid or not latest");
        }

        string? code;
        try
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
            code = body.RootElement.GetProperty("code").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return FakeWeChat.Error(47001, "data format error");
        }

        if (code is null || !_phoneCodes.TryRemove(code, out var user))
        {
            return FakeWeChat.Error(40029, "invalid code");
        }

        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var answer = new Dictionary<string, object>
        {
            ["errcode"] = 0,
            ["errmsg"] = "ok",
            ["phone_info"] = new Dictionary<string, object>
            {
                ["phoneNumber"] = user.PhoneNumber,
                ["purePhoneNumber"] = user.PhoneNumber,
                ["countryCode"] = 86,
                ["watermark"] = new Dictionary<string, object> { ["timestamp"] = timestamp, ["appid"] = AppId },
            },
        };
        return FakeWeChat.Json(JsonSerializer.Serialize(answer));
    }

    private HttpResponseMessage CheckSession(System.Collections.Specialized.NameValueCollection query)
    {
        if (!IsGlobalToken(query["access_token"]))
        {
            return FakeWeChat.Error(40001, "invalid credential");
        }

        if (query["sig_method"] != "hmac_sha256" || !_sessionKeys.TryGetValue(query["openid"] ?? "", out var sessionKey))
        {
            return FakeWeChat.Error(40003, "invalid openid");
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionKey), Array.Empty<byte>()));
        return query["signature"] == expected ? FakeWeChat.Json("""{"errcode":0,"errmsg":"ok"}""") : FakeWeChat.Error(87009, "invalid signature");
    }
}
