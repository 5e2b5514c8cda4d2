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

    // The largest body a consent form or a WeChat API request may have.
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Registers the WeChat emulator, with its options bound from the <c>WeChatEmulator</c> configuration section
    /// (<c>Users</c>, <c>AppName</c>, <c>AllowOutsideDevelopment</c>, …). Every WeChat scheme whose AppId is empty then
    /// signs in against it; schemes with an AppId are left alone. So does every access token (<c>AddWeChatAccessToken</c>)
    /// whose AppId is empty, and while any of them does, the app's <see cref="System.Net.Http.IHttpClientFactory"/>
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WeChatAccessTokenOptions>, WeChatEmulatorAccessTokenPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>, WeChatEmulatorHttpClientPostConfigureOptions>());
        return services;
    }

    /// <summary>
    /// Serves the emulator's WeChat-compatible endpoints under <see cref="WeChatEmulatorOptions.PathPrefix"/>:
    /// <c>connect/oauth2/authorize</c> (consent page), <c>sns/oauth2/access_token</c>, <c>sns/userinfo</c>,
    /// <c>sns/oauth2/refresh_token</c>, <c>sns/auth</c>, <c>cgi-bin/token</c>, <c>cgi-bin/stable_token</c>,
    /// <c>cgi-bin/user/info</c> and the test users' avatars. They answer 404 while no WeChat scheme signs in against the emulator and no redirect domains are set.
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
