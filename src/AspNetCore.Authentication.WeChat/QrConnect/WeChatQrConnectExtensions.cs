using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds WeChat website QR login (网站应用微信登录) to an <see cref="AuthenticationBuilder"/>.
/// </summary>
public static class WeChatQrConnectExtensions
{
    /// <summary>
    /// Adds WeChat QR login with the default scheme <see cref="WeChatQrConnectDefaults.AuthenticationScheme"/>.
    /// Configure <see cref="WeChatQrConnectOptions"/> elsewhere, e.g. with <c>Configure</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatQrConnect(this AuthenticationBuilder builder)
        => builder.AddWeChatQrConnect(WeChatQrConnectDefaults.AuthenticationScheme, _ => { });

    /// <summary>
    /// Adds WeChat QR login with the default scheme <see cref="WeChatQrConnectDefaults.AuthenticationScheme"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configureOptions">Configures the options: the website app's <c>AppId</c> and <c>AppSecret</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatQrConnect(this AuthenticationBuilder builder, Action<WeChatQrConnectOptions> configureOptions)
        => builder.AddWeChatQrConnect(WeChatQrConnectDefaults.AuthenticationScheme, configureOptions);

    /// <summary>
    /// Adds WeChat QR login under the given scheme name.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configureOptions">Configures the options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatQrConnect(this AuthenticationBuilder builder, string authenticationScheme, Action<WeChatQrConnectOptions> configureOptions)
        => builder.AddWeChatQrConnect(authenticationScheme, WeChatQrConnectDefaults.DisplayName, configureOptions);

    /// <summary>
    /// Adds WeChat QR login under the given scheme name and display name.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="displayName">The display name, shown on sign-in buttons.</param>
    /// <param name="configureOptions">Configures the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The website app is not the official account: it has its own AppID, AppSecret and openids; only the unionid
    /// (when both are bound to one Open Platform account) is the same person's in both. Pending sign-ins are kept as
    /// <c>AddWeChat</c> keeps them; the options are validated when the app starts.
    /// </remarks>
    public static AuthenticationBuilder AddWeChatQrConnect(
        this AuthenticationBuilder builder,
        string authenticationScheme,
        string? displayName,
        Action<WeChatQrConnectOptions> configureOptions)
        => WeChatOAuthRegistration.Add<WeChatQrConnectOptions, WeChatQrConnectHandler>(builder, authenticationScheme, displayName, configureOptions);
}
