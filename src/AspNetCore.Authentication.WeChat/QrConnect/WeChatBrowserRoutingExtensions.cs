using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds one "Sign in with WeChat" scheme that works in every browser.
/// </summary>
public static class WeChatBrowserRoutingExtensions
{
    /// <summary>
    /// Adds the policy scheme <see cref="WeChatBrowserRoutingDefaults.AuthenticationScheme"/>, which forwards to the
    /// official-account scheme inside WeChat's browser and to the QR login scheme elsewhere.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatBrowserRouting(this AuthenticationBuilder builder)
        => builder.AddWeChatBrowserRouting(WeChatBrowserRoutingDefaults.AuthenticationScheme, _ => { });

    /// <summary>
    /// Adds the policy scheme <see cref="WeChatBrowserRoutingDefaults.AuthenticationScheme"/>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configureOptions">Configures which scheme each browser gets.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddWeChatBrowserRouting(this AuthenticationBuilder builder, Action<WeChatBrowserRoutingOptions> configureOptions)
        => builder.AddWeChatBrowserRouting(WeChatBrowserRoutingDefaults.AuthenticationScheme, configureOptions);

    /// <summary>
    /// Adds a policy scheme (ASP.NET Core's <c>AddPolicyScheme</c>) that forwards every operation to the WeChat sign-in
    /// the request's browser can use: inside WeChat (User-Agent with <c>MicroMessenger</c>, not WeCom's <c>wxwork</c>)
    /// the official account's; elsewhere website QR login.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The policy scheme's name: the one to challenge, and the login provider
    /// ASP.NET Core Identity records, whichever way the user came.</param>
    /// <param name="configureOptions">Configures which scheme each browser gets.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// At start-up both schemes must be registered WeChat schemes (the app stops otherwise, naming the setting), and a
    /// warning is logged unless both take the name identifier from the unionid: openids differ per app, so with openids
    /// one person would be two users.
    /// </remarks>
    public static AuthenticationBuilder AddWeChatBrowserRouting(this AuthenticationBuilder builder, string authenticationScheme, Action<WeChatBrowserRoutingOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        ArgumentNullException.ThrowIfNull(configureOptions);

        builder.Services.Configure(authenticationScheme, configureOptions);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeChatBrowserRoutingOptions>, WeChatBrowserRoutingValidation>());
        builder.Services.AddOptions<WeChatBrowserRoutingOptions>(authenticationScheme).ValidateOnStart();
        builder.Services.AddOptions<PolicySchemeOptions>(authenticationScheme)
            .Configure<IOptionsMonitor<WeChatBrowserRoutingOptions>>((policy, routing) =>
                policy.ForwardDefaultSelector = context => WeChatBrowserRouting.Select(context, authenticationScheme, routing.Get(authenticationScheme)));

        return builder.AddPolicyScheme(authenticationScheme, WeChatBrowserRoutingDefaults.DisplayName, _ => { });
    }
}
