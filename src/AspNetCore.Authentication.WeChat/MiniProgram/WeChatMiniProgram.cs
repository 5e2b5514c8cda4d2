using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>One mini-program's parts, built once from its options: the code exchange, the session keys, the services.</summary>
internal sealed class WeChatMiniProgram
{
    public WeChatMiniProgram(IServiceProvider services, string name)
    {
        Name = name;
        Options = services.GetRequiredService<IOptionsMonitor<WeChatMiniProgramOptions>>().Get(name);
        var factory = services.GetRequiredService<IHttpClientFactory>();
        var time = services.GetRequiredService<TimeProvider>();
        var cache = services.GetRequiredService<IDistributedCache>();
        var dataProtection = services.GetRequiredService<IDataProtectionProvider>();
        Logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AspNetCore.Authentication.WeChat.MiniProgram");
        SessionKeys = new WeChatSessionKeyStore(cache, dataProtection, time, Options.AppId, Options);
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
    }

    public string Name { get; }

    public WeChatMiniProgramOptions Options { get; }

    public ILogger Logger { get; }

    public WeChatSessionKeyStore SessionKeys { get; }

    public WeChatCodeExchange Exchange { get; }

    public WeChatMiniProgramService Service { get; }

    public IWeChatAtomicStore AtomicStore { get; }

    public TimeProvider Time { get; }
}
