namespace AspNetCore.Authentication.WeChat.Emulator;

/// <summary>
/// A test user of the WeChat emulator.
/// </summary>
public sealed class WeChatEmulatorUser
{
    /// <summary>Gets or sets the openid.</summary>
    public string OpenId { get; set; } = "";

    /// <summary>Gets or sets the unionid, or <see langword="null"/> for a user WeChat returns none for.</summary>
    public string? UnionId { get; set; }

    /// <summary>Gets or sets the nickname.</summary>
    public string Nickname { get; set; } = "";

    /// <summary>
    /// Gets or sets the avatar URL (<c>headimgurl</c>), an absolute http or https URL. When empty (the default), the
    /// emulator draws one and serves it itself, so that it works offline.
    /// </summary>
    public string HeadImageUrl { get; set; } = "";

    /// <summary>
    /// Gets or sets an <c>errcode</c> the token endpoint answers for this user instead of a token, to try an app's
    /// error page (e.g. -1, "system error").
    /// </summary>
    public int? TokenErrorCode { get; set; }

    /// <summary>Gets or sets how long the token endpoint waits before answering for this user, to try timeouts.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>
    /// Gets or sets whether the user follows the official account: <c>cgi-bin/user/info</c> then answers
    /// <c>subscribe: 1</c> with the unionid, otherwise <c>subscribe: 0</c> and nothing else, as WeChat does.
    /// </summary>
    public bool Subscribed { get; set; }

    /// <summary>Gets or sets a note shown next to the user on the consent page.</summary>
    public string? Description { get; set; }
}
