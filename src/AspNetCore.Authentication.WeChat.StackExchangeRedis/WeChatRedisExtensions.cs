using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.StackExchangeRedis;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds the Redis <see cref="IWeChatAtomicStore"/>, which makes WeChat sign-in states single-use across a web farm.
/// </summary>
public static class WeChatRedisExtensions
{
    /// <summary>
    /// Makes the WeChat handlers' atomic operations run on Redis, so that each sign-in state works once across every
    /// instance of the app. Without <paramref name="configure"/> (or with it setting no connection), the connection
    /// settings of <c>AddStackExchangeRedisCache</c> are used.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the connection and key prefix.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddWeChatStackExchangeRedis(this IServiceCollection services, Action<WeChatRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<WeChatRedisOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure<IOptions<RedisCacheOptions>>(static (wechat, cache) =>
        {
            if (wechat.ConnectionMultiplexerFactory is null && wechat.ConfigurationOptions is null && string.IsNullOrEmpty(wechat.Configuration))
            {
                wechat.ConnectionMultiplexerFactory = cache.Value.ConnectionMultiplexerFactory;
                wechat.ConfigurationOptions = cache.Value.ConfigurationOptions;
                wechat.Configuration = cache.Value.Configuration;
            }
        })
        .Validate(
            static o => o.ConnectionMultiplexerFactory is not null || o.ConfigurationOptions is not null || !string.IsNullOrEmpty(o.Configuration),
            "AddWeChatStackExchangeRedis has no Redis to connect to: set its 'Configuration' option (a StackExchange.Redis configuration string such as 'localhost:6379'), or configure AddStackExchangeRedisCache, whose connection settings it then uses.")
        .ValidateOnStart();

        // Replaces the package's in-process store, whichever of AddWeChat and this is called first.
        services.Replace(ServiceDescriptor.Singleton<IWeChatAtomicStore, RedisWeChatAtomicStore>());
        return services;
    }
}
