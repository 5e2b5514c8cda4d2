using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// What the mini-program's events have in common: the request, the mini-program, the principal about to be signed in,
/// and the way to refuse it.
/// </summary>
public abstract class WeChatMiniProgramContext
{
    /// <summary>Initializes the context.</summary>
    /// <param name="httpContext">The request.</param>
    /// <param name="name">The mini-program's name (<c>AddWeChatMiniProgram(name, …)</c>).</param>
    /// <param name="options">The mini-program's options.</param>
    /// <param name="principal">The principal about to be signed in.</param>
    protected WeChatMiniProgramContext(HttpContext httpContext, string name, WeChatMiniProgramOptions options, ClaimsPrincipal principal)
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

    /// <summary>
    /// Gets or sets the principal to sign in: add the app's own claims, or replace it. Its claims go into the tokens.
    /// </summary>
    public ClaimsPrincipal Principal { get; set; }

    /// <summary>Gets the properties of the sign-in (for example a shorter <c>ExpiresUtc</c> of a cookie).</summary>
    public AuthenticationProperties Properties { get; } = new();

    /// <summary>Gets whether <see cref="Reject"/> was called.</summary>
    public bool IsRejected { get; private set; }

    /// <summary>
    /// Refuses the user: a sign-in answers 403 (<c>sign-in-rejected</c>); a refresh answers 401 and ends the session.
    /// </summary>
    public void Reject() => IsRejected = true;
}
