using System.Security.Claims;
using System.Text.Json;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace MvcSample.Models;

/// <summary>
/// The sample's API for its mini-program (and, for <c>/api/me</c>, its web sign-in): who is signed in, open data
/// decrypted with the session_key the server keeps, and the user's phone number.
/// </summary>
public static class MiniProgramEndpoints
{
    /// <summary>The most a request body may be: open data is well under 4 KiB.</summary>
    private const int MaxBodyBytes = 32 * 1024;

    /// <summary>
    /// <c>GET /api/me</c>: the signed-in user as <c>{"openid","unionid","appid","nickname"}</c>, fields WeChat did not give
    /// left out. A request with an <c>Authorization</c> header is a mini-program's, judged by its bearer token alone (never
    /// mixed with a cookie of another user); otherwise the web sign-in's cookie. Anonymous: 401.
    /// </summary>
    public static async Task<IResult> MeAsync(HttpContext context)
    {
        var bearer = context.Request.Headers.Authorization.Count > 0;
        if (bearer && await context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(WeChatMiniProgramDefaults.BearerScheme) is null)
        {
            // No mini-program sign-in here: no bearer token is valid.
            return NotSignedIn(context);
        }

        var result = await context.AuthenticateAsync(bearer ? WeChatMiniProgramDefaults.BearerScheme : CookieAuthenticationDefaults.AuthenticationScheme);
        if (result.Principal is not { } user)
        {
            return NotSignedIn(context);
        }

        var me = new Dictionary<string, string>();
        Add(me, "openid", user.FindFirstValue(WeChatClaimTypes.OpenId));
        Add(me, "unionid", user.FindFirstValue(WeChatClaimTypes.UnionId));
        Add(me, "appid", user.FindFirstValue(WeChatClaimTypes.AppId));
        Add(me, "app", bearer ? "miniProgram" : SignedInApp.Of(user));
        Add(me, "nickname", user.FindFirstValue(ClaimTypes.Name));
        return Results.Json(me);
    }

    /// <summary>
    /// <c>POST /api/miniprogram/decrypt</c> with <c>{"encryptedData","iv"}</c>: the decrypted JSON after the watermark
    /// check, or a 400 problem.
    /// </summary>
    public static async Task<IResult> DecryptAsync(HttpContext context, IWeChatMiniProgramService miniProgram)
    {
        if (await MiniProgramUserAsync(context) is not { } openId)
        {
            return NotSignedIn(context);
        }

        var (body, refusal) = await ReadAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        using (body)
        {
            if (Text(body!, "encryptedData") is not { } encryptedData || Text(body!, "iv") is not { } iv)
            {
                return BadRequest("需要 encryptedData 和 iv。· encryptedData and iv are required.");
            }

            try
            {
                using var data = await miniProgram.DecryptAsync(openId, encryptedData, iv, context.RequestAborted);
                return Results.Text(data.RootElement.GetRawText(), "application/json; charset=utf-8");
            }
            catch (WeChatException ex)
            {
                return WeChatProblems.Result(ex);
            }
        }
    }

    /// <summary>
    /// <c>POST /api/miniprogram/phone</c> with <c>{"code"}</c> from the <c>getPhoneNumber</c> button:
    /// <c>{"phoneNumber","purePhoneNumber","countryCode"}</c>, or a problem.
    /// </summary>
    public static async Task<IResult> PhoneAsync(HttpContext context, IWeChatMiniProgramService miniProgram)
    {
        if (await MiniProgramUserAsync(context) is not { } openId)
        {
            return NotSignedIn(context);
        }

        var (body, refusal) = await ReadAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }

        string? code;
        using (body)
        {
            code = Text(body!, "code");
        }

        if (code is not { Length: > 0 and <= 128 })
        {
            return BadRequest("需要手机号 code。· The phone-number code is required.");
        }

        try
        {
            var phone = await miniProgram.GetPhoneNumberAsync(code, openId, context.RequestAborted);
            return Results.Json(new { phoneNumber = phone.PhoneNumber, purePhoneNumber = phone.PurePhoneNumber, countryCode = phone.CountryCode });
        }
        catch (WeChatException ex)
        {
            return WeChatProblems.Result(ex);
        }
    }

    /// <summary>The openid of a user signed in by this app's mini-program (bearer token, its AppID), or null.</summary>
    private static async Task<string?> MiniProgramUserAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(WeChatMiniProgramDefaults.BearerScheme);
        var appId = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<WeChatMiniProgramOptions>>().Get(WeChatMiniProgramDefaults.Name).AppId;
        return result.Principal is { } user && user.FindFirstValue(WeChatClaimTypes.AppId) == appId ? user.FindFirstValue(WeChatClaimTypes.OpenId) : null;
    }

    private static IResult NotSignedIn(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "未登录 · Not signed in");
    }

    private static async Task<(JsonDocument? Body, IResult? Refusal)> ReadAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "请求应为 JSON · The request must be JSON"));
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, BadRequest("请求过大。· The request is too large."));
        }

        using var limited = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (limited.Length + read > MaxBodyBytes)
            {
                return (null, BadRequest("请求过大。· The request is too large."));
            }

            limited.Write(buffer, 0, read);
        }

        try
        {
            var document = JsonDocument.Parse(limited.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return (document, null);
            }

            document.Dispose();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a key that escapes a lone surrogate, met by the duplicate-key check.
        }

        return (null, BadRequest("请求不是 JSON 对象。· The request is not a JSON object."));
    }

    private static string? Text(JsonDocument body, string name)
    {
        try
        {
            return body.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static IResult BadRequest(string detail)
        => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "请求无效 · Invalid request", detail: detail, type: WeChatProblems.InvalidRequest);

    private static void Add(Dictionary<string, string> me, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            me[name] = value;
        }
    }
}
