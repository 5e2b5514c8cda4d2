using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Completes the options after the app configured them, before ASP.NET Core's own OAuth post-configuration.
/// </summary>
/// <typeparam name="TOptions">The flow's options.</typeparam>
internal sealed class WeChatPostConfigureOptions<TOptions>(IHttpClientFactory httpClientFactory, IDataProtectionProvider dataProtection) : IPostConfigureOptions<TOptions>
    where TOptions : WeChatOAuthOptions
{
    public void PostConfigure(string? name, TOptions options)
    {
        if (options.Scope.Count == 0)
        {
            options.Scope.Add(options.DefaultScope);
        }

        // As ASP.NET Core's own post-configuration (which runs after this) would, so that the formats below exist.
        options.DataProtectionProvider ??= dataProtection;
        options.StateDataFormat = new WeChatStateDataFormat(options.StateDataFormat is WeChatStateDataFormat kept ? kept.Inner
            : options.StateDataFormat ?? new PropertiesDataFormat(options.DataProtectionProvider.CreateProtector(options.ProtectorPurpose, name ?? "", "v1")));
        options.SignInTicketFormat = new TicketDataFormat(options.DataProtectionProvider.CreateProtector(
            options.ProtectorPurpose, name ?? "", "SignIn", "v1"));

        // A named factory client shares pooled connections across sign-ins, so a sign-in costs no new
        // TLS handshake with WeChat; apps (and tests) can reconfigure it with AddHttpClient(HttpClientName).
        if (options.Backchannel is null && options.BackchannelHttpHandler is null)
        {
            options.Backchannel = WeChatBackchannel.Create(httpClientFactory, options.BackchannelTimeout);
        }
    }
}
