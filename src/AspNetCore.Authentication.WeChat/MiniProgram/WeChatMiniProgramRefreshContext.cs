using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// A refresh of a mini-program user's tokens (<see cref="WeChatMiniProgramEvents.OnRefreshing"/>), with the principal of
/// the refresh token, which is valid, unexpired and not used before.
/// </summary>
public sealed class WeChatMiniProgramRefreshContext
{
    /// <summary>Initializes the context.</summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="name">The mini-program's name.</param>
    /// <param name="options">The mini-program's options.</param>
    /// <param name="principal">The refresh token's principal.</param>
    public WeChatMiniProgramRefreshContext(HttpContext httpContext, string name, WeChatMiniProgramOptions options, ClaimsPrincipal principal)
    {
        HttpContext = httpContext;
        Name = name;
        Options = options;
        Principal = principal;
    }

    /// <summary>Gets the request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Gets the mini-program's name.</summary>
    public string Name { get; }

    /// <summary>Gets the mini-program's options.</summary>
    public WeChatMiniProgramOptions Options { get; }

    /// <summary>Gets or sets the principal to sign in again: update its claims, or replace it.</summary>
    public ClaimsPrincipal Principal { get; set; }

    /// <summary>Gets the properties of the new sign-in.</summary>
    public AuthenticationProperties Properties { get; } = new();

    /// <summary>Gets whether <see cref="Reject"/> was called.</summary>
    public bool IsRejected { get; private set; }

    /// <summary>Revokes the session: the endpoint answers 401, and the mini-program must sign in again.</summary>
    public void Reject() => IsRejected = true;
}
