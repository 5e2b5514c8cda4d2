using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the local WeChat emulator to an app.
/// </summary>
public static class WeChatEmulatorExtensions
{
    /// <summary>The configuration section <see cref="AddWeChatEmulator(IServiceCollection, Action{WeChatEmulatorOptions}?)"/> binds: <c>WeChatEmulator</c>.</summary>
    public const string ConfigurationSection = "WeChatEmulator";

    // The largest body a consent form, a simulator call or a WeChat API request may have.
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Registers the WeChat emulator, with its options bound from the <c>WeChatEmulator</c> configuration section
    /// (<c>Users</c>, <c>AppName</c>, <c>AllowOutsideDevelopment</c>, …). Every WeChat scheme whose AppId is empty then
    /// signs in against it (the emulated official account); schemes with an AppId are left alone. So does every
    /// mini-program (<c>AddWeChatMiniProgram</c>) whose AppId is empty (the emulated mini-program), and every access token
    /// (<c>AddWeChatAccessToken</c>) whose AppId is empty or, without a backchannel of its own, one of the emulator's
    /// AppIDs; while any of them does, the app's <see cref="System.Net.Http.IHttpClientFactory"/>
    /// clients have their calls to <c>https://api.weixin.qq.com</c> answered by the emulator instead of sending its
    /// tokens out. Outside the Development environment the app refuses to start unless
    /// <see cref="WeChatEmulatorOptions.AllowOutsideDevelopment"/> is set.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddWeChatEmulator(this IServiceCollection services)
        => services.AddWeChatEmulator(ConfigurationSection);

    /// <summary>
    /// Registers the WeChat emulator, with its options bound from the <c>WeChatEmulator</c> configuration section, then
    /// configured by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the emulator, after the configuration section.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddWeChatEmulator(this IServiceCollection services, Action<WeChatEmulatorOptions> configure)
        => services.AddWeChatEmulator(ConfigurationSection, configure);

    /// <summary>
    /// Registers the WeChat emulator, with its options bound from the given configuration section.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configurationSection">The configuration section to bind, for example <c>Development:WeChatEmulator</c>.</param>
    /// <param name="configure">Configures the emulator, after the configuration section.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddWeChatEmulator(this IServiceCollection services, string configurationSection, Action<WeChatEmulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(configurationSection);
        var options = services.AddOptions<WeChatEmulatorOptions>().BindConfiguration(configurationSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // The configuration binder appends to collections, so default users given in the constructor could never be
        // replaced by WeChatEmulator:Users; they are added only when none were configured.
        options.PostConfigure(static o => o.AddDefaultUsersIfNone());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WeChatEmulator>();
        services.TryAddSingleton<WeChatEmulatorUsage>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WeChatEmulatorUsage>(static sp => sp.GetRequiredService<WeChatEmulatorUsage>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatAuthenticationOptions>, WeChatEmulatorPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatQrConnectOptions>, WeChatEmulatorQrConnectPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatMiniProgramOptions>, WeChatEmulatorMiniProgramPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatAccessTokenOptions>, WeChatEmulatorAccessTokenPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>, WeChatEmulatorHttpClientPostConfigureOptions>());
        return services;
    }

    /// <summary>
    /// Serves the emulator's WeChat-compatible endpoints under <see cref="WeChatEmulatorOptions.PathPrefix"/>: for the
    /// official account <c>connect/oauth2/authorize</c> (consent page) and <c>cgi-bin/user/info</c>; for the website app
    /// <c>connect/qrconnect</c> (the QR login page, whole or inside <c>wxLogin.js</c>'s iframe) and
    /// <c>connect/zh_CN/htmledition/js/wxLogin.js</c> (a stand-in for WeChat's script on <c>res.wx.qq.com</c>); for
    /// both <c>sns/oauth2/access_token</c>, <c>sns/userinfo</c>, <c>sns/oauth2/refresh_token</c> and <c>sns/auth</c>
    /// (each app's codes and tokens with its own AppID); for the mini-program <c>sns/jscode2session</c>,
    /// <c>wxa/business/getuserphonenumber</c> and <c>wxa/checksession</c>; for the official account and the
    /// mini-program <c>cgi-bin/token</c> and <c>cgi-bin/stable_token</c> (tokens per app); the test users' avatars; and the
    /// mini-program simulator <c>miniprogram</c> (a page that signs a test user in at the app's
    /// <c>/signin-wechat-miniprogram</c>, or the path in its <c>?signin=</c>) with its stand-ins for <c>wx.login</c>,
    /// <c>getPhoneNumber</c> and <c>wx.getUserInfo</c> (<c>miniprogram/login</c>, <c>miniprogram/phone-code</c>,
    /// <c>miniprogram/user-info</c>). They answer 404 while nothing of the app (a WeChat scheme, a mini-program, an access
    /// token) uses the emulator and no redirect domains are set.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <returns>The group of the emulator's endpoints.</returns>
    public static RouteGroupBuilder MapWeChatEmulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var emulator = endpoints.ServiceProvider.GetRequiredService<WeChatEmulator>();
        WeChatEmulatorGuard.EnsureAllowed(endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>(), emulator.Options);
        var usage = endpoints.ServiceProvider.GetRequiredService<WeChatEmulatorUsage>();
        var prefix = emulator.Options.PathPrefix.TrimEnd('/');

        var group = endpoints.MapGroup(emulator.Options.PathPrefix);
        // Nothing is served while no scheme signs in against the emulator (an app with a real AppId): otherwise its
        // authorize page would be an open redirect on the app's own origin.
        group.AddEndpointFilter(async (context, next) => await usage.IsServingAsync().ConfigureAwait(false) ? await next(context).ConfigureAwait(false) : Results.NotFound());
        foreach (var route in WeChatEmulatorRoutes.All)
        {
            group.MapMethods(route.Path, [route.Method], async (HttpContext context) =>
            {
                var answer = await emulator.HandleAsync(route, await ReadAsync(context, prefix).ConfigureAwait(false), context.RequestAborted).ConfigureAwait(false);
                if (answer.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true)
                {
                    // The consent page and the simulator act on a click: no other site may frame them (clickjacking).
                    // frame-ancestors only works as a header, not in the pages' own <meta> policy. The QR login page in
                    // wxLogin.js's iframe may be framed by the app's own pages, and only by them.
                    if (answer.FrameAncestors is { } ancestors)
                    {
                        context.Response.Headers.ContentSecurityPolicy = "frame-ancestors " + ancestors;
                    }
                    else
                    {
                        context.Response.Headers.XFrameOptions = "DENY";
                        context.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
                    }
                }

                if (answer.CacheControl is { } cacheControl)
                {
                    context.Response.Headers.CacheControl = cacheControl;
                }

                return answer.Location is { } location
                    ? Results.Redirect(location)
                    : Results.Text(answer.Body ?? "", answer.ContentType, statusCode: answer.StatusCode);
            }).DisableAntiforgery();
        }

        return group;
    }

    private static async Task<WeChatEmulatorRequest> ReadAsync(HttpContext context, string prefix)
    {
        var request = context.Request;
        byte[] body = [];
        if (request.ContentLength is > 0 or null && !HttpMethods.IsGet(request.Method))
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.Length <= MaxBodyBytes ? buffer.ToArray() : [];
        }

        var authority = request.Host.ToUriComponent();
        return new WeChatEmulatorRequest
        {
            RawQuery = request.QueryString.Value ?? "",
            Body = body,
            RouteValues = request.RouteValues.ToDictionary(v => v.Key, v => v.Value?.ToString(), StringComparer.Ordinal),
            Scheme = request.Scheme,
            Authority = authority,
            PathBase = request.PathBase.ToUriComponent(),
            ContentType = request.ContentType,
            // Where the browser reached the emulator: its origin, the app's path base and the emulator's prefix.
            BaseUrl = string.Concat(request.Scheme, "://", authority, request.PathBase.ToUriComponent(), prefix),
        };
    }
}
