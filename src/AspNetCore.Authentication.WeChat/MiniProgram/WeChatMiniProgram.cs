using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>One mini-program's parts, built once from its options: the code exchange, the session keys, the services.</summary>
internal sealed class WeChatMiniProgram
{
    // The framework's handler is internal; its options are public.
    private const string BearerTokenHandlerName = "Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenHandler";

    public WeChatMiniProgram(IServiceProvider services, string name)
    {
        Name = name;
        Options = services.GetRequiredService<IOptionsMonitor<WeChatMiniProgramOptions>>().Get(name);
        var factory = services.GetRequiredService<IHttpClientFactory>();
        var time = services.GetRequiredService<TimeProvider>();
        var cache = services.GetRequiredService<IDistributedCache>();
        var dataProtection = services.GetRequiredService<IDataProtectionProvider>();
        Logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AspNetCore.Authentication.WeChat.MiniProgram");
        SessionKeys = new WeChatSessionKeyStore(cache, services.GetRequiredService<IWeChatAtomicStore>(), dataProtection, time, Options.AppId, Options);
        Exchange = new WeChatCodeExchange(
            Options,
            Options.Backchannel ?? WeChatBackchannel.Create(factory, Options.BackchannelTimeout),
            services.GetRequiredService<IWeChatAtomicStore>(),
            cache,
            dataProtection,
            SessionKeys,
            Logger);
        var options = Options;
        Service = new WeChatMiniProgramService(name, Options, SessionKeys, () => WeChatBackchannel.CreateApiClient(factory, name, options.BackchannelTimeout), time, Logger);
        AtomicStore = services.GetRequiredService<IWeChatAtomicStore>();
        Time = time;
        var schemes = services.GetRequiredService<IOptions<AuthenticationOptions>>().Value.SchemeMap;
        if (schemes.TryGetValue(Options.SignInScheme, out var scheme) && scheme.HandlerType?.FullName == BearerTokenHandlerName)
        {
            BearerTokens = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(Options.SignInScheme);
        }
    }

    public string Name { get; }

    public WeChatMiniProgramOptions Options { get; }

    public ILogger Logger { get; }

    public WeChatSessionKeyStore SessionKeys { get; }

    public WeChatCodeExchange Exchange { get; }

    public WeChatMiniProgramService Service { get; }

    public IWeChatAtomicStore AtomicStore { get; }

    public TimeProvider Time { get; }

    /// <summary>The options of the bearer-token scheme the users are signed in with, or null for another kind of scheme.</summary>
    public BearerTokenOptions? BearerTokens { get; }

    /// <summary>The key of a session's record: the generation of its newest refresh token.</summary>
    public string SessionKey(string sessionId) => Options.CacheKeyPrefix + Options.AppId + ":refresh:" + sessionId;
}
