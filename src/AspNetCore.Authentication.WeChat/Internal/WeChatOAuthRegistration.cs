using AspNetCore.Authentication.WeChat.UserTokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>What <c>AddWeChat</c> and <c>AddWeChatQrConnect</c> both register.</summary>
internal static class WeChatOAuthRegistration
{
    /// <summary>
    /// Adds a WeChat browser sign-in scheme: the shared services (state store, API client, user tokens), options
    /// completed after the app's configuration and validated at start-up, and the scheme itself.
    /// </summary>
    public static AuthenticationBuilder Add<TOptions, THandler>(AuthenticationBuilder builder, string authenticationScheme, string? displayName, Action<TOptions> configureOptions)
        where TOptions : WeChatOAuthOptions, new()
        where THandler : WeChatOAuthHandler<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureOptions);

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWeChatAtomicStore, MemoryWeChatAtomicStore>();
        services.TryAddSingleton<IWeChatUserTokenService, WeChatUserTokenService>();
        services.TryAddSingleton(WeChatStateStoreCheck.CreateStore);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WeChatStateStoreCheck>());
        WeChatBackchannel.AddTo(services);

        // Registered before AddOAuth's own post-configuration, which would otherwise create a Backchannel first.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TOptions>, WeChatPostConfigureOptions<TOptions>>());

        // AddOAuth validates the options (their Validate) when they are first built; ValidateOnStart builds them at
        // start-up, so a misconfiguration stops the app instead of failing every sign-in.
        services.AddOptions<TOptions>(authenticationScheme).ValidateOnStart();

        return builder.AddOAuth<TOptions, THandler>(authenticationScheme, displayName!, configureOptions);
    }
}
