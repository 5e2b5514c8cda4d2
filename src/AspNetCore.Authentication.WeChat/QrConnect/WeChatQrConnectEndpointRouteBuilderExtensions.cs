using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Routing;

/// <summary>
/// Maps the endpoint that begins an embedded QR sign-in (<c>wxLogin.js</c>).
/// </summary>
public static class WeChatQrConnectEndpointRouteBuilderExtensions
{
    /// <summary>The default path of <see cref="MapWeChatQrConnectEmbedded"/>: <c>/signin-wechat-qrconnect/embedded</c>.</summary>
    public const string DefaultEmbeddedPattern = "/signin-wechat-qrconnect/embedded";

    /// <summary>
    /// Maps <c>GET {pattern}?returnUrl=/local/path</c>, which begins a QR sign-in without redirecting (a correlation
    /// cookie and a single-use state kept on the server, exactly as a challenge) and answers
    /// the embedded QR code's configuration as JSON, <c>{"script":"…","options":{…}}</c>, for
    /// <c>new WxLogin(Object.assign({ id: "…" }, answer.options))</c>. The callback is the scheme's own, checked as after a
    /// redirect. Answers are never cached; a <c>returnUrl</c> that is not a local path is answered 400, and a request another
    /// site's page made (<c>Sec-Fetch-Site: cross-site</c>) 403.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pattern">The path; <see cref="DefaultEmbeddedPattern"/> by default.</param>
    /// <param name="authenticationScheme">The QR scheme (<c>AddWeChatQrConnect</c>).</param>
    /// <returns>The endpoint, to add conventions to (a rate limit, as for the challenge).</returns>
    /// <exception cref="InvalidOperationException">No QR scheme of that name is registered.</exception>
    public static IEndpointConventionBuilder MapWeChatQrConnectEmbedded(
        this IEndpointRouteBuilder endpoints,
        string pattern = DefaultEmbeddedPattern,
        string authenticationScheme = WeChatQrConnectDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);

        // At start-up, not at the first visitor's request.
        var scheme = endpoints.ServiceProvider.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(authenticationScheme).GetAwaiter().GetResult();
        if (scheme is null || !typeof(WeChatQrConnectHandler).IsAssignableFrom(scheme.HandlerType))
        {
            throw new InvalidOperationException($"MapWeChatQrConnectEmbedded: '{authenticationScheme}' is not a WeChat QR login scheme. Call AddAuthentication().AddWeChatQrConnect(\"{authenticationScheme}\", …) first.");
        }

        return endpoints.MapGet(pattern, context => WeChatEmbeddedLoginEndpoint.HandleAsync(context, authenticationScheme))
            .AllowAnonymous().ExcludeFromDescription();
    }
}
