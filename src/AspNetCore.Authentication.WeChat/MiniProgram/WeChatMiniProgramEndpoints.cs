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

    public static async Task<IResult> SignInAsync(HttpContext context, WeChatMiniProgram miniProgram)
    {
        NoStore(context);
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
            return BadRequest(miniProgram, "the code is missing, not a string, or not a WeChat code (at most 128 letters, digits, '-' or '_')",
                "登录凭证缺失或格式不正确。", "The sign-in code is missing or malformed.");
        }

        var (outcome, repeated) = await miniProgram.Exchange.ExchangeAsync(code!).ConfigureAwait(false);
        if (repeated)
        {
            miniProgram.Logger.MiniProgramRepeatedCode(miniProgram.Name, outcome.OpenId is null ? outcome.Kind?.ToString() ?? "a failure" : "a sign-in");
        }

        if (outcome.OpenId is not { } openId)
        {
            var failure = outcome.ToException();
            // One line per failure: WeChat's errcodes the request caused are logged here; the API client logged the
            // others (unexpected errcodes, timeouts, unusable answers) and the session-key store its own failure.
            if (!repeated && outcome.ErrorCode is { } errorCode && WeChatCodeExchange.IsTheClients(errorCode))
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

        var principal = signingIn.Principal;
        if (miniProgram.BearerTokens is { } bearer)
        {
            // A new session: its record says generation 0 is the one refresh token that may renew it.
            var sessionId = Base64Url(RandomNumberGenerator.GetBytes(16));
            try
            {
                await miniProgram.AtomicStore.TryAddAsync(miniProgram.SessionKey(sessionId), Generation(0), bearer.RefreshTokenExpiration, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                miniProgram.Logger.MiniProgramSessionStoreUnavailable(ex.GetType().Name, "sign-in");
                return WeChatProblems.Result(new WeChatException("The mini-program session could not be recorded in the app's IWeChatAtomicStore.", WeChatFailureKind.StateStoreUnavailable, innerException: ex));
            }

            principal = WithSession(principal, options.AppId, sessionId, 0);
        }

        return new SignInResult(options.SignInScheme, principal, signingIn.Properties, writesAnswer: miniProgram.BearerTokens is not null);
    }

    /// <summary>
    /// The principal with this mini-program's AppID and the session's generation, which refresh needs: kept, or added
    /// to its first identity when an app's OnSigningIn or OnRefreshing replaced the principal without them.
    /// </summary>
    private static ClaimsPrincipal WithSession(ClaimsPrincipal principal, string appId, string sessionId, long generation)
    {
        var identity = principal.Identities.FirstOrDefault();
        if (identity is null)
        {
            // An app's event replaced the principal with an empty one: it still signs in this mini-program's user.
            identity = new ClaimsIdentity(WeChatMiniProgramDefaults.AuthenticationType);
            principal.AddIdentity(identity);
        }

        foreach (var old in principal.Identities.SelectMany(i => i.FindAll(WeChatClaimTypes.MiniProgramSession).Select(c => (i, c))).ToArray())
        {
            old.i.RemoveClaim(old.c);
        }

        if (principal.FindFirst(WeChatClaimTypes.AppId) is null)
        {
            identity.AddClaim(new Claim(WeChatClaimTypes.AppId, appId));
        }

        identity.AddClaim(new Claim(WeChatClaimTypes.MiniProgramSession, sessionId + "." + generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return principal;
    }

    private static byte[] Generation(long generation) => BitConverter.GetBytes(generation);

    public static async Task<IResult> RefreshAsync(HttpContext context, WeChatMiniProgram miniProgram)
    {
        NoStore(context);
        var options = miniProgram.Options;
        if (miniProgram.BearerTokens is not { } bearer)
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
            return BadRequest(miniProgram, "the refreshToken is missing or not a string", "缺少刷新凭证。", "The refresh token is missing.");
        }

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
        // expires (and many strings decode to one token). The session's record holds the generation of its newest refresh
        // token: only that token can advance it, once, across the farm; one record per session, however often renewed
        // (RFC 9700 §4.14.2, refresh token rotation).
        if (principal.FindFirst(WeChatClaimTypes.MiniProgramSession)?.Value is not { } session
            || session.Split('.') is not [{ Length: > 0 } sessionId, var number]
            || !long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation))
        {
            return Refused(miniProgram, "the refresh token carries no mini-program session");
        }

        var key = miniProgram.SessionKey(sessionId);
        bool spent;
        try
        {
            spent = await miniProgram.AtomicStore.TryRemoveAsync(key, Generation(generation), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            miniProgram.Logger.MiniProgramSessionStoreUnavailable(ex.GetType().Name, "refresh");
            return WeChatProblems.Result(new WeChatException("The refresh token could not be spent in the app's IWeChatAtomicStore.", WeChatFailureKind.StateStoreUnavailable, innerException: ex));
        }

        if (spent)
        {
            try
            {
                spent = await miniProgram.AtomicStore.TryAddAsync(key, Generation(generation + 1), bearer.RefreshTokenExpiration, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The token is spent and its successor could not be recorded: the session is over, not "try again".
                miniProgram.Logger.MiniProgramSessionStoreUnavailable(ex.GetType().Name, "refresh");
                return Refused(miniProgram, "the session's next generation could not be recorded, so the session ended");
            }
        }

        if (!spent)
        {
            return Refused(miniProgram, "the refresh token was already used (each one renews the session once), or its session ended");
        }

        var refreshing = new WeChatMiniProgramRefreshContext(context, miniProgram.Name, options, principal);
        await options.Events.Refreshing(refreshing).ConfigureAwait(false);
        if (refreshing.IsRejected)
        {
            return Refused(miniProgram, "the app's OnRefreshing event revoked the session");
        }

        return new SignInResult(options.SignInScheme, WithSession(refreshing.Principal, options.AppId, sessionId, generation + 1), refreshing.Properties, writesAnswer: true);
    }

    // Token responses must not be cached (RFC 6749 §5.1), and neither may their failures.
    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }

    private static IResult Refused(WeChatMiniProgram miniProgram, string reason)
    {
        miniProgram.Logger.MiniProgramRefreshRefused(miniProgram.Name, reason);
        return WeChatProblems.RefreshRefused();
    }

    private static IResult BadRequest(WeChatMiniProgram miniProgram, string reason, string chinese, string english, int status = StatusCodes.Status400BadRequest)
    {
        miniProgram.Logger.MiniProgramBadRequest(miniProgram.Name, status, reason);
        return WeChatProblems.Request(status, chinese, english);
    }

    /// <summary>Reads a JSON object of at most <paramref name="maxBytes"/>, or the problem answering a request that is not one.</summary>
    internal static async Task<(JsonDocument? Document, IResult? Refusal)> ReadJsonAsync(HttpContext context, WeChatMiniProgram miniProgram, int maxBytes)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, BadRequest(miniProgram, "the Content-Type is not application/json", "请求格式应为 JSON。", "The request must be JSON (application/json).", StatusCodes.Status415UnsupportedMediaType));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(miniProgram, maxBytes));
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
                    return (null, TooLarge(miniProgram, maxBytes));
                }
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return (null, BadRequest(miniProgram, "the body is not valid JSON", "请求内容不是有效的 JSON。", "The request body is not valid JSON."));
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, BadRequest(miniProgram, "the body is not a JSON object", "请求内容应为 JSON 对象。", "The request body must be a JSON object."));
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

    private static IResult TooLarge(WeChatMiniProgram miniProgram, int maxBytes)
        => BadRequest(miniProgram, $"the body is larger than {maxBytes} bytes", "请求内容过大。", "The request is too large.");

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// Signs the principal in with the scheme: the bearer-token scheme writes its own answer (the tokens); another one
    /// (a cookie) sets its headers, and the answer is 204.
    /// </summary>
    private sealed class SignInResult(string scheme, ClaimsPrincipal principal, AuthenticationProperties properties, bool writesAnswer) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            if (!writesAnswer)
            {
                httpContext.Response.StatusCode = StatusCodes.Status204NoContent;
            }

            await httpContext.SignInAsync(scheme, principal, properties).ConfigureAwait(false);
        }
    }
}
