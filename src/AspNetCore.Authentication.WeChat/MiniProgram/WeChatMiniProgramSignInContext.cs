using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A mini-program sign-in WeChat has confirmed (<see cref="WeChatMiniProgramEvents.OnSigningIn"/>): who the user is,
/// and the principal about to be signed in.
/// </summary>
public sealed class WeChatMiniProgramSignInContext : WeChatMiniProgramContext
{
    /// <summary>Initializes the context.</summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="name">The mini-program's name (<c>AddWeChatMiniProgram(name, …)</c>).</param>
    /// <param name="options">The mini-program's options.</param>
    /// <param name="principal">The principal about to be signed in.</param>
    /// <param name="openId">The user's openid in the mini-program.</param>
    /// <param name="unionId">The user's unionid, or <see langword="null"/>.</param>
    /// <param name="isRepeatedCode">Whether the code had been exchanged moments before (a retried request).</param>
    public WeChatMiniProgramSignInContext(HttpContext httpContext, string name, WeChatMiniProgramOptions options, ClaimsPrincipal principal, string openId, string? unionId, bool isRepeatedCode)
        : base(httpContext, name, options, principal)
    {
        OpenId = openId;
        UnionId = unionId;
        IsRepeatedCode = isRepeatedCode;
    }

    /// <summary>Gets the user's openid in the mini-program, from WeChat's <c>jscode2session</c> answer.</summary>
    public string OpenId { get; }

    /// <summary>Gets the user's unionid from WeChat's answer, or <see langword="null"/> when WeChat sent none.</summary>
    public string? UnionId { get; }

    /// <summary>
    /// Gets whether the code had been exchanged moments before (within
    /// <see cref="WeChatMiniProgramOptions.RepeatedCodeWindow"/>): the mini-program retried, and WeChat was not called again.
    /// </summary>
    public bool IsRepeatedCode { get; }
}
