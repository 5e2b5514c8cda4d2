using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Authentication.WeChat;

/// <summary>The embedded QR code's endpoint: one sign-in begun, its configuration answered as JSON.</summary>
internal static class WeChatEmbeddedLoginEndpoint
{
    public static async Task HandleAsync(HttpContext context, string authenticationScheme)
    {
        // A state and a cookie for this browser alone: no cache may keep or share them.
        context.Response.Headers.CacheControl = "no-store";

        // Only the app's own pages fetch it. Another site's page (an <img>, a popup it keeps navigating) must not make
        // the user's browser pile up correlation cookies and the server states. Browsers say where a request comes from
        // (Fetch Metadata, https://www.w3.org/TR/fetch-metadata/); one without the header (curl, old browsers) passes.
        if (string.Equals(context.Request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var returnUrl = context.Request.Query["returnUrl"];
        if (returnUrl.Count > 1 || (returnUrl.Count == 1 && !ReturnUrl.IsLocal(returnUrl[0])))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("returnUrl must be one local path, such as /orders/1.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var handlers = context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
        var handler = (WeChatQrConnectHandler)(await handlers.GetHandlerAsync(context, authenticationScheme).ConfigureAwait(false))!;
        var login = await handler.BeginEmbeddedAsync(new AuthenticationProperties { RedirectUri = returnUrl.Count == 1 ? returnUrl[0] : null }).ConfigureAwait(false);
        if (login is null)
        {
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("script", login.ScriptUrl);
        json.WriteStartObject("options");
        // wxLogin.js's own option names (https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html).
        json.WriteBoolean("self_redirect", login.SelfRedirect);
        json.WriteString("appid", login.AppId);
        json.WriteString("scope", login.Scope);
        json.WriteString("redirect_uri", login.RedirectUri);
        json.WriteString("state", login.State);
        json.WriteString("style", login.Style);
        if (login.Stylesheet is { } href)
        {
            json.WriteString("href", href);
        }

        if (login.Language is { } lang)
        {
            json.WriteString("lang", lang);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
