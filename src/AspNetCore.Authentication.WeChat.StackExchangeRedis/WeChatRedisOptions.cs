using StackExchange.Redis;

namespace AspNetCore.Authentication.WeChat.StackExchangeRedis;

/// <summary>
/// Options of the Redis <see cref="IWeChatAtomicStore"/> registered by <c>AddWeChatStackExchangeRedis</c>.
/// </summary>
/// <remarks>
/// Set one of <see cref="ConnectionMultiplexerFactory"/>, <see cref="ConfigurationOptions"/> or
/// <see cref="Configuration"/>. When none is set, those of <c>AddStackExchangeRedisCache</c> are used, so that an app
/// configures its Redis once.
/// </remarks>
public sealed class WeChatRedisOptions
{
    /// <summary>Gets or sets a StackExchange.Redis configuration string, such as <c>localhost:6379,abortConnect=false</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Gets or sets the StackExchange.Redis configuration; it takes precedence over <see cref="Configuration"/>.</summary>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// Gets or sets a factory of the connection to use, for an app that shares one <see cref="IConnectionMultiplexer"/>
    /// between its cache, its Data Protection keys and this store. A connection from the factory is not disposed by
    /// the store.
    /// </summary>
    public Func<Task<IConnectionMultiplexer>>? ConnectionMultiplexerFactory { get; set; }

    /// <summary>Gets or sets a prefix for every key the store writes.</summary>
    /// <remarks>Defaults to empty: the package's keys carry their own prefix (for example <c>WeChat.Authentication.State:</c>).</remarks>
    public string KeyPrefix { get; set; } = "";
}
