using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A refresh of a mini-program user's tokens (<see cref="WeChatMiniProgramEvents.OnRefreshing"/>), with the principal of
/// the refresh token, which is valid, unexpired and not used before.
/// </summary>
public sealed class WeChatMiniProgramRefreshContext : WeChatMiniProgramContext
{
    /// <summary>Initializes the context.</summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="name">The mini-program's name.</param>
    /// <param name="options">The mini-program's options.</param>
    /// <param name="principal">The refresh token's principal.</param>
    public WeChatMiniProgramRefreshContext(HttpContext httpContext, string name, WeChatMiniProgramOptions options, ClaimsPrincipal principal)
        : base(httpContext, name, options, principal)
    {
    }
}
