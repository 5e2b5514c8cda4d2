using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>The sign-in and refresh endpoints of a mini-program.</summary>
internal static class WeChatMiniProgramEndpoints
{
    /// <summary>The longest code accepted; WeChat's are 32 characters.</summary>
    public const int MaxCodeLength = 128;

    /// <summary>The largest sign-in request read: a code and little else.</summary>
    public const int MaxSignInRequestBytes = 4 * 1024;

    /// <summary>The largest refresh request read; the framework's refresh tokens are about 1 KiB with a few claims.</summary>
    public const int MaxRefreshRequestBytes = 16 * 1024;

    // The framework's handler is internal; its options are public.
    private const string BearerTokenHandlerName = "Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenHandler";

    public static async Task<IResult> SignInAsync(HttpContext context, WeChatMiniProgram miniProgram)
    {
        var (request, refusal) = await ReadJsonAsync(context, miniProgram, MaxSignInRequestBytes).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        string? code;
        using (request)
        {
            code = Text(request!.RootElement, "code");
        }

        if (!UpstreamText.IsWeChatId(code, MaxCodeLength))
        {
            return BadRequest(context, miniProgram, "the code is missing, not a string, or not a WeChat code (at most 128 letters, digits, '-' or '_')",
                "登录凭证缺失或格式不正确。", "The sign-in code is missing or malformed.");
        }

        var (outcome, repeated) = await miniProgram.Exchange.ExchangeAsync(code!).ConfigureAwait(false);
        if (repeated)
        {
            miniProgram.Logger.MiniProgramRepeatedCode(miniProgram.Name);
        }

        if (outcome.OpenId is not { } openId)
        {
            var failure = outcome.ToException();
            // Failures the request caused are logged here, once; the API client logged the others as warnings.
            if (outcome.ErrorCode is not { } errorCode || WeChatCodeExchange.IsTheClients(errorCode) || repeated)
            {
                miniProgram.Logger.MiniProgramSignInFailed(miniProgram.Name, failure.Kind, failure.ErrorCode, failure.Message);
            }

            return WeChatProblems.Result(failure);
        }

        var options = miniProgram.Options;
        var nameIdentifier = options.NameIdentifierSource switch
        {
            WeChatNameIdentifierSource.UnionId => outcome.UnionId,
            WeChatNameIdentifierSource.UnionIdOrOpenId => outcome.UnionId ?? openId,
            _ => openId,
        };
        if (nameIdentifier is null)
        {
            var failure = new WeChatException("WeChat returned no unionid for this mini-program user, so the sign-in failed: the 'NameIdentifierSource' option is UnionId. A unionid needs the mini-program bound to a WeChat Open Platform account; UnionIdOrOpenId falls back to the openid.", WeChatFailureKind.UnionIdMissing);
            miniProgram.Logger.MiniProgramSignInFailed(miniProgram.Name, failure.Kind, null, failure.Message);
            return WeChatProblems.Result(failure);
        }

        var identity = new ClaimsIdentity(WeChatMiniProgramDefaults.AuthenticationType, ClaimTypes.Name, ClaimTypes.Role);
        var issuer = miniProgram.Name;
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, nameIdentifier, ClaimValueTypes.String, issuer));
        identity.AddClaim(new Claim(WeChatClaimTypes.OpenId, openId, ClaimValueTypes.String, issuer));
        if (outcome.UnionId is { } unionId)
        {
            identity.AddClaim(new Claim(WeChatClaimTypes.UnionId, unionId, ClaimValueTypes.String, issuer));
        }

        identity.AddClaim(new Claim(WeChatClaimTypes.AppId, options.AppId, ClaimValueTypes.String, issuer));

        var signingIn = new WeChatMiniProgramSignInContext(context, miniProgram.Name, options, new ClaimsPrincipal(identity), openId, outcome.UnionId, repeated);
        await options.Events.SigningIn(signingIn).ConfigureAwait(false);
        if (signingIn.IsRejected)
        {
            var failure = new WeChatException("The app's OnSigningIn event rejected the mini-program user.", WeChatFailureKind.Rejected);
            miniProgram.Logger.MiniProgramSignInFailed(miniProgram.Name, failure.Kind, null, failure.Message);
            return WeChatProblems.Result(failure);
        }

        return new SignInResult(options.SignInScheme, signingIn.Principal, signingIn.Properties);
    }

    public static async Task<IResult> RefreshAsync(HttpContext context, WeChatMiniProgram miniProgram)
    {
        var options = miniProgram.Options;
        var schemes = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        if (await schemes.GetSchemeAsync(options.SignInScheme).ConfigureAwait(false) is not { HandlerType.FullName: BearerTokenHandlerName })
        {
            // Only bearer tokens have refresh tokens; a cookie renews itself.
            return Results.NotFound();
        }

        var (request, refusal) = await ReadJsonAsync(context, miniProgram, MaxRefreshRequestBytes).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        string? refreshToken;
        using (request)
        {
            refreshToken = Text(request!.RootElement, "refreshToken");
        }

        if (refreshToken is not { Length: > 0 and <= MaxRefreshRequestBytes })
        {
            return BadRequest(context, miniProgram, "the refreshToken is missing or not a string", "缺少刷新凭证。", "The refresh token is missing.");
        }

        var bearer = context.RequestServices.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(options.SignInScheme);
        var ticket = bearer.RefreshTokenProtector.Unprotect(refreshToken);
        var now = miniProgram.Time.GetUtcNow();
        if (ticket?.Principal is not { } principal || ticket.Properties.ExpiresUtc is not { } expires)
        {
            return Refused(miniProgram, "the refresh token is not one this app issued, or it was altered");
        }

        if (now >= expires)
        {
            return Refused(miniProgram, "the refresh token has expired");
        }

        // The bearer scheme may be shared; the token must be of a sign-in of this mini-program.
        if (principal.FindFirst(WeChatClaimTypes.AppId)?.Value != options.AppId)
        {
            return Refused(miniProgram, "the refresh token is not of this mini-program's sign-in");
        }

        // The framework's refresh tokens are stateless, so each one would renew the session again and again until it
        // expires: a refresh token is spent here, once, across the farm.
        bool spent;
        try
        {
            spent = await miniProgram.AtomicStore.TryAddAsync(
                options.CacheKeyPrefix + options.AppId + ":refresh:" + Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken))),
                "1"u8.ToArray(),
                expires - now,
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            miniProgram.Logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
            return WeChatProblems.Result(new WeChatException("The refresh token could not be spent in the app's IWeChatAtomicStore.", WeChatFailureKind.StateStoreUnavailable, innerException: ex));
        }

        if (!spent)
        {
            return Refused(miniProgram, "the refresh token was already used (each one renews the session once)");
        }

        var refreshing = new WeChatMiniProgramRefreshContext(context, miniProgram.Name, options, principal);
        await options.Events.Refreshing(refreshing).ConfigureAwait(false);
        if (refreshing.IsRejected)
        {
            return Refused(miniProgram, "the app's OnRefreshing event revoked the session");
        }

        return new SignInResult(options.SignInScheme, refreshing.Principal, refreshing.Properties);
    }

    private static IResult Refused(WeChatMiniProgram miniProgram, string reason)
    {
        miniProgram.Logger.MiniProgramRefreshRefused(miniProgram.Name, reason);
        return WeChatProblems.RefreshRefused();
    }

    private static IResult BadRequest(HttpContext context, WeChatMiniProgram miniProgram, string reason, string chinese, string english, int status = StatusCodes.Status400BadRequest)
    {
        _ = context;
        miniProgram.Logger.MiniProgramBadRequest(miniProgram.Name, status, reason);
        return WeChatProblems.Request(status, chinese, english);
    }

    /// <summary>Reads a JSON object of at most <paramref name="maxBytes"/>, or the problem answering a request that is not one.</summary>
    internal static async Task<(JsonDocument? Document, IResult? Refusal)> ReadJsonAsync(HttpContext context, WeChatMiniProgram miniProgram, int maxBytes)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, BadRequest(context, miniProgram, "the Content-Type is not application/json", "请求格式应为 JSON。", "The request must be JSON (application/json).", StatusCodes.Status415UnsupportedMediaType));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(context, miniProgram, maxBytes));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, maxBytes + 1 - length), context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    return (null, TooLarge(context, miniProgram, maxBytes));
                }
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return (null, BadRequest(context, miniProgram, "the body is not valid JSON", "请求内容不是有效的 JSON。", "The request body is not valid JSON."));
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, BadRequest(context, miniProgram, "the body is not a JSON object", "请求内容应为 JSON 对象。", "The request body must be a JSON object."));
            }

            return (document, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A string property, or null when it is absent, not a string, or not valid Unicode.</summary>
    internal static string? Text(JsonElement json, string name)
    {
        try
        {
            return json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static IResult TooLarge(HttpContext context, WeChatMiniProgram miniProgram, int maxBytes)
        => BadRequest(context, miniProgram, $"the body is larger than {maxBytes} bytes", "请求内容过大。", "The request is too large.");

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>Signs the principal in with the scheme, which may write its own answer (the bearer tokens); 204 otherwise.</summary>
    private sealed class SignInResult(string scheme, ClaimsPrincipal principal, AuthenticationProperties properties) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            await httpContext.SignInAsync(scheme, principal, properties).ConfigureAwait(false);
            if (!httpContext.Response.HasStarted)
            {
                httpContext.Response.StatusCode = StatusCodes.Status204NoContent;
            }
        }
    }
}
