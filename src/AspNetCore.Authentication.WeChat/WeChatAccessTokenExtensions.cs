using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.AccessTokens;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds WeChat's global access token (接口调用凭据) of an app, and the passive refresh of calls made with it.
/// </summary>
public static class WeChatAccessTokenExtensions
{
    /// <summary>
    /// Adds the access token provider of one WeChat app under <paramref name="name"/>, resolved as
    /// <c>[FromKeyedServices(name)] IWeChatAccessTokenProvider</c> (and, for an operator's force refresh,
    /// <c>IWeChatAccessTokenOperator</c>). Options are named options: bind more with
    /// <c>services.Configure&lt;WeChatAccessTokenOptions&gt;(name, section)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The provider's name, e.g. the app's role (<c>"oa"</c>, <c>"mini"</c>).</param>
    /// <param name="configureOptions">Configures the options: <c>AppId</c> and <c>AppSecret</c> at least.</param>
    /// <returns>The services, for chaining.</returns>
    /// <remarks>
    /// When the app registers a shared <see cref="IDistributedCache"/> (e.g. <c>AddStackExchangeRedisCache</c>), the
    /// token is shared through it, so that a farm fetches one token per refresh window; with
    /// <c>AddWeChatStackExchangeRedis</c> one instance at a time refreshes, under a lease. The options are validated
    /// when the app starts.
    /// </remarks>
    public static IServiceCollection AddWeChatAccessToken(this IServiceCollection services, string name, Action<WeChatAccessTokenOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configureOptions);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWeChatAtomicStore, MemoryWeChatAtomicStore>();
        services.AddMetrics();
        services.AddDataProtection();
        services.TryAddSingleton<WeChatAccessTokenMetrics>();
        WeChatBackchannel.AddTo(services);

        services.AddOptions<WeChatAccessTokenOptions>(name).Configure(configureOptions).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatAccessTokenOptions>, WeChatAccessTokenOptionsValidation>());

        if (!services.Any(d => d.IsKeyedService && d.ServiceType == typeof(WeChatAccessTokenProvider) && Equals(d.ServiceKey, name)))
        {
            services.AddKeyedSingleton(name, static (sp, key) => Create(sp, (string)key!));
            services.AddKeyedSingleton<IWeChatAccessTokenProvider>(name, static (sp, key) => sp.GetRequiredKeyedService<WeChatAccessTokenProvider>(key));
            services.AddKeyedSingleton<IWeChatAccessTokenOperator>(name, static (sp, key) => sp.GetRequiredKeyedService<WeChatAccessTokenProvider>(key));

            // The package's own calls with this token (a sign-in's follower lookup) go through the passive-refresh handler.
            services.AddHttpClient(WeChatBackchannel.ApiClientName(name))
                .AddWeChatAccessTokenHandler(name)
                .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    // WeChat's APIs never redirect; following one would send the access token elsewhere.
                    AllowAutoRedirect = false,
                });
        }

        return services;
    }

    /// <summary>
    /// Adds the access token of the provider named <paramref name="name"/> to every call of this client (as WeChat's
    /// <c>access_token</c> query parameter), and refreshes it passively: when WeChat rejects it (40001, 40014, 42001), the
    /// handler invalidates exactly that token, gets another once and repeats the call once.
    /// </summary>
    /// <param name="builder">The client's builder, e.g. from <c>AddHttpClient&lt;MyWeChatApi&gt;()</c>.</param>
    /// <param name="name">The name the provider was added with (<see cref="AddWeChatAccessToken(IServiceCollection, string, Action{WeChatAccessTokenOptions})"/>).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The token goes only to WeChat's API host (<c>https://api.weixin.qq.com</c>) and to the host of the
    /// provider's own token endpoint (an emulator, in development); a call to any other host fails with an
    /// <see cref="InvalidOperationException"/> before anything is sent. The factory's request logging is removed from the
    /// client, as from the package's own: it would log four lines per call, with URLs that carry the token.
    /// </remarks>
    public static IHttpClientBuilder AddWeChatAccessTokenHandler(this IHttpClientBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        return builder.RemoveAllLoggers().AddHttpMessageHandler(sp => new WeChatAccessTokenHandler(
            sp.GetRequiredKeyedService<WeChatAccessTokenProvider>(name),
            sp.GetRequiredService<ILoggerFactory>()));
    }

    /// <summary>
    /// Adds a health check that reports whether the provider named <paramref name="name"/> can hand out a valid token:
    /// healthy with one cached or fetched, unhealthy (with the failure's kind and errcode) when WeChat gives none.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name the provider was added with (<see cref="AddWeChatAccessToken(IServiceCollection, string, Action{WeChatAccessTokenOptions})"/>).</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when null.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The check is named <c>wechat-access-token-{name}</c>. It never shows the token.</remarks>
    public static IHealthChecksBuilder AddWeChatAccessToken(this IHealthChecksBuilder builder, string name, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        return builder.Add(new HealthCheckRegistration(
            "wechat-access-token-" + name,
            sp => new WeChatAccessTokenHealthCheck(sp.GetRequiredKeyedService<IWeChatAccessTokenProvider>(name)),
            failureStatus,
            tags));
    }

    private static WeChatAccessTokenProvider Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<WeChatAccessTokenOptions>>().Get(name);
        var backchannel = options.Backchannel ?? WeChatBackchannel.Create(services.GetRequiredService<IHttpClientFactory>(), options.BackchannelTimeout);

        // The app's own cache only when it is shared: an in-process cache would only copy the provider's own field.
        var cache = services.GetService<IDistributedCache>() is { } shared and not MemoryDistributedCache ? shared : null;
        return new WeChatAccessTokenProvider(
            name,
            options,
            backchannel,
            services.GetRequiredService<TimeProvider>(),
            cache,
            services.GetRequiredService<IWeChatAtomicStore>(),
            services.GetRequiredService<IDataProtectionProvider>(),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<WeChatAccessTokenMetrics>());
    }
}
