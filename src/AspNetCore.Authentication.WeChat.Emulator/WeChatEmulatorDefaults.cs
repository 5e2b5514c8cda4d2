namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// Constants of the WeChat emulator.
/// </summary>
public static class WeChatEmulatorDefaults
{
    /// <summary>
    /// The origin the emulator writes into a scheme's endpoints; the authorize redirect replaces it with the
    /// request's own origin, and the backchannel answers in process.
    /// </summary>
    public const string PlaceholderOrigin = "http://wechat-emulator.invalid";

    /// <summary>
    /// Whether the options of a WeChat scheme were pointed at the emulator.
    /// </summary>
    /// <param name="options">The scheme's options.</param>
    /// <returns><see langword="true"/> when the scheme signs in against the emulator.</returns>
    public static bool IsEmulated(WeChatOAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AuthorizationEndpoint.StartsWith(PlaceholderOrigin, StringComparison.Ordinal);
    }
}
