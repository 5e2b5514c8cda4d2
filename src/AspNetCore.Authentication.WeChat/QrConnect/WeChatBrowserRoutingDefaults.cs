namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Default values of the policy scheme that sends each browser to the WeChat sign-in it can use.
/// </summary>
public static class WeChatBrowserRoutingDefaults
{
    /// <summary>The default scheme name: <c>WeChatBrowser</c>. Challenge it from the one "Sign in with WeChat" button.</summary>
    public const string AuthenticationScheme = "WeChatBrowser";

    /// <summary>The default display name: <c>WeChat</c>.</summary>
    public static readonly string DisplayName = "WeChat";
}
