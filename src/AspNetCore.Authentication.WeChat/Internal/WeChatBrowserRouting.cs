using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>Which browser a request comes from, by its User-Agent, and so which WeChat sign-in it can use.</summary>
internal static class WeChatBrowserRouting
{
    /// <summary>The scheme for <paramref name="context"/>'s browser.</summary>
    public static string Select(HttpContext context, string routingScheme, WeChatBrowserRoutingOptions options)
    {
        if (options.SelectScheme?.Invoke(context) is { Length: > 0 } chosen)
        {
            // Only the schemes this routing names, which start-up checked: a selector that reads the request would
            // otherwise let the visitor name any scheme, an unknown one (500), this one (500) or another of the app's.
            if (chosen == options.OfficialAccountScheme || chosen == options.QrConnectScheme || chosen == options.WeComScheme || chosen == options.MobileBrowserScheme)
            {
                return chosen;
            }

            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger<WeChatBrowserRoutingOptions>().BrowserRoutingSelectionIgnored(routingScheme);
        }

        // One string, however many User-Agent headers came.
        var userAgent = context.Request.Headers[HeaderNames.UserAgent].ToString();
        return KindOf(userAgent) switch
        {
            WeChatBrowserKind.WeChat => options.OfficialAccountScheme,
            WeChatBrowserKind.WeCom => options.WeComScheme ?? options.QrConnectScheme,
            WeChatBrowserKind.Mobile => options.MobileBrowserScheme ?? options.QrConnectScheme,
            _ => options.QrConnectScheme,
        };
    }

    /// <summary>
    /// The kind of browser: WeChat's in-app browser says <c>MicroMessenger/…</c> (on phones, and in WeChat for Windows and
    /// Mac, which also authorize official-account pages); WeCom's says <c>MicroMessenger</c> and <c>wxwork/…</c>.
    /// </summary>
    public static WeChatBrowserKind KindOf(string userAgent)
    {
        var span = userAgent.AsSpan();
        if (span.Contains("MicroMessenger", StringComparison.OrdinalIgnoreCase))
        {
            return span.Contains("wxwork", StringComparison.OrdinalIgnoreCase) ? WeChatBrowserKind.WeCom : WeChatBrowserKind.WeChat;
        }

        // As MDN advises: "Mobi" marks phones' browsers; Android tablets and iPads, whose User-Agent lacks it, count as
        // phones here too, since they cannot scan their own screen either.
        return span.Contains("Mobi", StringComparison.Ordinal) || span.Contains("Android", StringComparison.Ordinal)
            || span.Contains("iPhone", StringComparison.Ordinal) || span.Contains("iPad", StringComparison.Ordinal)
            ? WeChatBrowserKind.Mobile
            : WeChatBrowserKind.Desktop;
    }
}

/// <summary>The kinds of browser <see cref="WeChatBrowserRouting"/> tells apart.</summary>
internal enum WeChatBrowserKind
{
    /// <summary>A desktop browser: QR login.</summary>
    Desktop,

    /// <summary>WeChat's in-app browser: official-account authorization.</summary>
    WeChat,

    /// <summary>WeCom's (企业微信) browser.</summary>
    WeCom,

    /// <summary>A phone's or tablet's browser outside WeChat.</summary>
    Mobile,
}
