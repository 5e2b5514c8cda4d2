using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.MiniProgram;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds WeChat mini-program sign-in (小程序登录) to an <see cref="AuthenticationBuilder"/>.
/// </summary>
public static class WeChatMiniProgramExtensions
{
    /// <summary>
    /// Adds the mini-program named <see cref="WeChatMiniProgramDefaults.Name"/>. Map its endpoints with
    /// <c>app.MapWeChatMiniProgramSignIn()</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configureOptions">Configures the options: <c>AppId</c> and <c>AppSecret</c> at least.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatMiniProgram(this AuthenticationBuilder builder, Action<WeChatMiniProgramOptions> configureOptions)
        => builder.AddWeChatMiniProgram(WeChatMiniProgramDefaults.Name, configureOptions);

    /// <summary>
    /// Adds a mini-program under <paramref name="name"/>: its options (validated at start-up), the sign-in's services
    /// (resolve <c>[FromKeyedServices(name)] IWeChatMiniProgramService</c>), its global access token (an access token
    /// provider of the same name, for the phone-number and check-session APIs), and, unless the app signs in with a
    /// scheme of its own, ASP.NET Core's bearer-token scheme <see cref="WeChatMiniProgramDefaults.BearerScheme"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="name">The mini-program's name, used by <c>MapWeChatMiniProgramSignIn</c> and the keyed services.</param>
    /// <param name="configureOptions">Configures the options: <c>AppId</c> and <c>AppSecret</c> at least.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// session_keys and recently exchanged codes are kept in the app's <see cref="Caching.Distributed.IDistributedCache"/>
    /// (an in-process one is added when the app has none; a web farm needs a shared one, such as
    /// <c>AddStackExchangeRedisCache</c>, and shared Data Protection keys); single use of codes and refresh tokens across
    /// a farm needs a shared <see cref="IWeChatAtomicStore"/> (<c>AddWeChatStackExchangeRedis</c>). Configure the bearer
    /// tokens' lifetimes with <c>services.Configure&lt;BearerTokenOptions&gt;(WeChatMiniProgramDefaults.BearerScheme, …)</c>.
    /// </remarks>
    public static AuthenticationBuilder AddWeChatMiniProgram(this AuthenticationBuilder builder, string name, Action<WeChatMiniProgramOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configureOptions);

        var services = builder.Services;
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(WeChatMiniProgram) && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException($"The WeChat mini-program '{name}' was already added.");
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWeChatAtomicStore, MemoryWeChatAtomicStore>();
        services.AddDistributedMemoryCache();
        services.AddDataProtection();
        WeChatBackchannel.AddTo(services);

        services.AddOptions<WeChatMiniProgramOptions>(name).Configure(configureOptions).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatMiniProgramOptions>, WeChatMiniProgramOptionsValidation>());

        // The mini-program's global access token: its AppID and AppSecret, from its options (after an emulator filled them in).
        services.AddWeChatAccessToken(name, static _ => { });
        services.AddOptions<WeChatAccessTokenOptions>(name).Configure<IOptionsMonitor<WeChatMiniProgramOptions>>((token, miniPrograms) =>
        {
            var miniProgram = miniPrograms.Get(name);
            token.AppId = miniProgram.AppId;
            token.AppSecret = miniProgram.AppSecret;
            token.StableTokenEndpoint = miniProgram.StableTokenEndpoint;
            token.BackchannelTimeout = miniProgram.BackchannelTimeout;
        });

        services.AddKeyedSingleton(name, static (sp, key) => new WeChatMiniProgram(sp, (string)key!));
        services.AddKeyedSingleton<IWeChatMiniProgramService>(name, static (sp, key) => sp.GetRequiredKeyedService<WeChatMiniProgram>(key).Service);
        services.TryAddSingleton<IWeChatMiniProgramService>(sp => sp.GetRequiredKeyedService<WeChatMiniProgram>(name).Service);

        if (!services.Any(d => d.ServiceType == typeof(BearerSchemeMarker)))
        {
            services.AddSingleton<BearerSchemeMarker>();
            builder.AddBearerToken(WeChatMiniProgramDefaults.BearerScheme);
        }

        return builder;
    }

    private sealed class BearerSchemeMarker;
}
