using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds WeChat sign-in to an <see cref="AuthenticationBuilder"/>.
/// </summary>
public static class WeChatAuthenticationExtensions
{
    /// <summary>
    /// Adds WeChat sign-in with the default scheme <see cref="WeChatAuthenticationDefaults.AuthenticationScheme"/>.
    /// Configure <see cref="WeChatAuthenticationOptions"/> elsewhere, e.g. with <c>Configure</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChat(this AuthenticationBuilder builder)
        => builder.AddWeChat(WeChatAuthenticationDefaults.AuthenticationScheme, _ => { });

    /// <summary>
    /// Adds WeChat sign-in with the default scheme <see cref="WeChatAuthenticationDefaults.AuthenticationScheme"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configureOptions">Configures the options, e.g. <c>AppId</c> and <c>AppSecret</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChat(this AuthenticationBuilder builder, Action<WeChatAuthenticationOptions> configureOptions)
        => builder.AddWeChat(WeChatAuthenticationDefaults.AuthenticationScheme, configureOptions);

    /// <summary>
    /// Adds WeChat sign-in under the given scheme name.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configureOptions">Configures the options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChat(this AuthenticationBuilder builder, string authenticationScheme, Action<WeChatAuthenticationOptions> configureOptions)
        => builder.AddWeChat(authenticationScheme, WeChatAuthenticationDefaults.DisplayName, configureOptions);

    /// <summary>
    /// Adds WeChat sign-in under the given scheme name and display name.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="displayName">The display name, shown on sign-in buttons.</param>
    /// <param name="configureOptions">Configures the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// Keeps pending sign-ins in the app's <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> when
    /// it registers a shared one (e.g. <c>AddStackExchangeRedisCache</c>, needed in a web farm, with
    /// <c>AddWeChatStackExchangeRedis</c> for single use across instances), otherwise in a bounded in-process store;
    /// validates the options when the app starts.
    /// </remarks>
    public static AuthenticationBuilder AddWeChat(
        this AuthenticationBuilder builder,
        string authenticationScheme,
        string? displayName,
        Action<WeChatAuthenticationOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatAuthenticationOptions>, WeChatFollowerInformationValidation>());
        return WeChatOAuthRegistration.Add<WeChatAuthenticationOptions, WeChatAuthenticationHandler>(builder, authenticationScheme, displayName, configureOptions);
    }
}
