using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Checks at start-up that a browser-routing scheme forwards to registered WeChat schemes, and warns (once, when its
/// options are built) when the two would not give one person one name identifier.
/// </summary>
internal sealed class WeChatBrowserRoutingValidation(
    IOptions<AuthenticationOptions> authentication,
    IOptionsMonitor<WeChatAuthenticationOptions> officialAccounts,
    IOptionsMonitor<WeChatQrConnectOptions> qrConnects,
    ILogger<WeChatBrowserRoutingOptions> logger) : IValidateOptions<WeChatBrowserRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatBrowserRoutingOptions options)
    {
        var failures = new List<string>();
        Check(nameof(options.OfficialAccountScheme), options.OfficialAccountScheme, typeof(WeChatAuthenticationHandler), "AddWeChat");
        Check(nameof(options.QrConnectScheme), options.QrConnectScheme, typeof(WeChatQrConnectHandler), "AddWeChatQrConnect");
        Check(nameof(options.WeComScheme), options.WeComScheme, null, null);
        Check(nameof(options.MobileBrowserScheme), options.MobileBrowserScheme, null, null);
        if (failures.Count > 0)
        {
            return ValidateOptionsResult.Fail(failures);
        }

        var officialAccount = officialAccounts.Get(options.OfficialAccountScheme).NameIdentifierSource;
        var qrConnect = qrConnects.Get(options.QrConnectScheme).NameIdentifierSource;
        if (officialAccount != qrConnect || officialAccount == WeChatNameIdentifierSource.OpenId)
        {
            logger.BrowserRoutingIdentityMismatch(name ?? "", options.OfficialAccountScheme, officialAccount, options.QrConnectScheme, qrConnect);
        }

        return ValidateOptionsResult.Success;

        void Check(string setting, string? scheme, Type? handler, string? add)
        {
            if (scheme is null && handler is null)
            {
                return;
            }

            if (string.IsNullOrEmpty(scheme) || !authentication.Value.SchemeMap.TryGetValue(scheme, out var registered))
            {
                failures.Add($"WeChat browser routing '{name}': the '{setting}' option is '{scheme}', which is not a registered authentication scheme." + (add is null ? "" : $" Register it with {add}(\"{scheme}\", …) or name the one you registered."));
            }
            else if (handler is not null && !handler.IsAssignableFrom(registered.HandlerType))
            {
                failures.Add($"WeChat browser routing '{name}': the '{setting}' option is '{scheme}', which is not a {add} scheme.");
            }
        }
    }
}
