using System.Security.Claims;
using AspNetCore.Authentication.WeChat;

namespace MvcSample.Models;

/// <summary>Which of the app's WeChat apps signed a cookie user in, by the scheme that made their identity.</summary>
public static class SignedInApp
{
    /// <summary><c>officialAccount</c>, <c>website</c>, or the scheme's name for any other.</summary>
    public static string? Of(ClaimsPrincipal user) => user.Identity?.AuthenticationType switch
    {
        WeChatAuthenticationDefaults.AuthenticationScheme => "officialAccount",
        WeChatQrConnectDefaults.AuthenticationScheme => "website",
        var other => other,
    };
}
