using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

/// <summary>
/// WeChat's global token APIs and one API that needs the token, as WeChat documents them, on a clock the test steps:
/// <c>stable_token</c> hands every caller its current token with the remaining life, and the next one in the last
/// 300 s; <c>cgi-bin/token</c> issues a new one per call and keeps the previous one 5 more minutes. Every token it ever
/// issued, and until when it was valid, is kept, so that a test can tell whether a caller was handed a dead one.
/// </summary>
public sealed class FakeTokenWeChat(TimeProvider time) : HttpMessageHandler
{
    public const string AppId = "wx1234567890abcdef";
    public const string AppSecret = "AppSecret_0123456789abcdef_SECRET";
    public const string ApiPath = "/cgi-bin/user/info";

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _validUntil = new(StringComparer.Ordinal);
    private (string Value, DateTimeOffset Expires)? _stable;
    private string? _classic;
    private int _fetches;
    private int _apiCalls;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(7200);

    /// <summary>When set, the token APIs answer this errcode.</summary>
    public int? ErrorCode { get; set; }

    /// <summary>When set to N, only the first N fetches answer <see cref="ErrorCode"/>.</summary>
    public int? ErrorCodeForFirst { get; set; }

    /// <summary>The errmsg that goes with <see cref="ErrorCode"/>.</summary>
    public string ErrorMessage { get; set; } = "emulated error";

    /// <summary>When set, the token APIs wait for it before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When set, the API answers this errcode whatever the token.</summary>
    public int? ApiErrorCode { get; set; }

    /// <summary>
    /// When set to N, the first N calls of the API are held until all N have arrived, so that they are answered at once
    /// (a storm); later calls are not held.
    /// </summary>
    public int HoldFirstApiCalls { get; set; }

    private readonly TaskCompletionSource _apiStorm = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Fetches => Volatile.Read(ref _fetches);

    public int ApiCalls => Volatile.Read(ref _apiCalls);

    public ConcurrentQueue<string> RequestBodies { get; } = new();

    public ConcurrentQueue<Uri> ApiRequests { get; } = new();

    /// <summary>Whether WeChat would still take <paramref name="token"/> now.</summary>
    public bool IsValid(string token) => _validUntil.TryGetValue(token, out var until) && time.GetUtcNow() < until;

    /// <summary>Makes WeChat refuse <paramref name="token"/> from now on, as after a force refresh elsewhere.</summary>
    public void Revoke(string token)
    {
        lock (_gate)
        {
            _validUntil[token] = DateTimeOffset.MinValue;
            if (_stable?.Value == token)
            {
                _stable = null;
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var query = QueryHelpers.ParseQuery(uri.Query);
        switch (uri.AbsolutePath)
        {
            case "/cgi-bin/stable_token":
            case "/cgi-bin/token":
                var fetch = Interlocked.Increment(ref _fetches);
                var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
                RequestBodies.Enqueue(body);
                if (Gate is { } gate)
                {
                    await gate.Task.WaitAsync(cancellationToken);
                }

                if (ErrorCode is { } errorCode && (ErrorCodeForFirst is not { } first || fetch <= first))
                {
                    return Json(new { errcode = errorCode, errmsg = ErrorMessage + " rid: 1234-5678" });
                }

                return uri.AbsolutePath == "/cgi-bin/token" ? Classic(query) : Stable(body);
            case ApiPath:
                var call = Interlocked.Increment(ref _apiCalls);
                ApiRequests.Enqueue(uri);
                if (call <= HoldFirstApiCalls)
                {
                    if (call == HoldFirstApiCalls)
                    {
                        _apiStorm.SetResult();
                    }

                    await _apiStorm.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
                }

                if (ApiErrorCode is { } apiError)
                {
                    return Json(new { errcode = apiError, errmsg = "invalid credential, access_token is invalid or not latest rid: 1" });
                }

                var token = query["access_token"].ToString();
                return IsValid(token)
                    ? Json(new { subscribe = 1, openid = query["openid"].ToString(), unionid = "oUnion_fake" })
                    : Json(new { errcode = 40001, errmsg = "invalid credential, access_token is invalid or not latest rid: 1" });
            default:
                return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }

    private HttpResponseMessage Stable(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal("client_credential", root.GetProperty("grant_type").GetString());
        if (root.GetProperty("appid").GetString() != AppId || root.GetProperty("secret").GetString() != AppSecret)
        {
            return Json(new { errcode = 40125, errmsg = "invalid appsecret" });
        }

        var force = root.GetProperty("force_refresh").GetBoolean();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (force && _stable is { } leaked)
            {
                Revoke(leaked.Value);
                _stable = null;
            }

            // In the last 300 s of the current token WeChat hands out the next; the current one lives until it expires.
            if (_stable is not { } current || now >= current.Expires - TimeSpan.FromMinutes(5))
            {
                _stable = current = (Issue(now + Lifetime), now + Lifetime);
            }

            return Json(new { access_token = current.Value, expires_in = (int)Math.Ceiling((current.Expires - now).TotalSeconds) });
        }
    }

    private HttpResponseMessage Classic(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (query["appid"] != AppId || query["secret"] != AppSecret)
        {
            return Json(new { errcode = 40001, errmsg = "invalid credential, access_token is invalid or not latest" });
        }

        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_classic is { } previous && _validUntil[previous] > now + TimeSpan.FromMinutes(5))
            {
                _validUntil[previous] = now + TimeSpan.FromMinutes(5);
            }

            _classic = Issue(now + Lifetime);
            return Json(new { access_token = _classic, expires_in = (int)Lifetime.TotalSeconds });
        }
    }

    private string Issue(DateTimeOffset validUntil)
    {
        var token = "TOKEN_" + RandomNumberGenerator.GetHexString(40);
        _validUntil[token] = validUntil;
        return token;
    }

    private static HttpResponseMessage Json(object body)
        => new(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
}
