namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Selects which WeChat identifier becomes the <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/> claim.
/// </summary>
public enum WeChatNameIdentifierSource
{
    /// <summary>
    /// The openid, which is unique per user and per official account and always present.
    /// </summary>
    OpenId = 0,

    /// <summary>
    /// The unionid, which is shared by all apps of one Open Platform account. A sign-in without a unionid fails.
    /// </summary>
    UnionId = 1,

    /// <summary>
    /// The unionid when WeChat returns one, otherwise the openid.
    /// </summary>
    UnionIdOrOpenId = 2,
}
