using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Says at start-up, rather than claims, when single use of sign-in states only holds within one instance.
/// </summary>
internal sealed class WeChatStateStoreCheck(IServiceProvider services, ILogger<WeChatAuthenticationHandler> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<WeChatStateStore>() is DistributedWeChatStateStore { IsSingleUseShared: false })
        {
            logger.StateSingleUsePerInstance(services.GetRequiredService<IDistributedCache>().GetType().FullName ?? "IDistributedCache");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The state store for the app: its own <see cref="IDistributedCache"/> when it registered a shared one (Redis, SQL
    /// Server, …), otherwise the bounded in-process store, which also takes a flood of challenges better than
    /// <see cref="Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache"/>.
    /// </summary>
    public static WeChatStateStore CreateStore(IServiceProvider services)
        => services.GetService<IDistributedCache>() is { } cache and not MemoryDistributedCache
            ? new DistributedWeChatStateStore(cache, services.GetRequiredService<IWeChatAtomicStore>())
            : new MemoryWeChatStateStore(services.GetRequiredService<TimeProvider>());
}
