namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The events of a mini-program's sign-in endpoint: map the WeChat user to the app's own account (add claims, replace
/// the principal) or reject them.
/// </summary>
public class WeChatMiniProgramEvents
{
    /// <summary>
    /// Gets or sets what runs after WeChat confirmed who the user is (<c>sns/jscode2session</c>) and before they are
    /// signed in. Call <see cref="WeChatMiniProgramContext.Reject"/> to refuse them (403).
    /// </summary>
    public Func<WeChatMiniProgramSignInContext, Task> OnSigningIn { get; set; } = static _ => Task.CompletedTask;

    /// <summary>
    /// Gets or sets what runs before a refresh token is exchanged for new tokens: check that the account still exists
    /// and may sign in, and call <see cref="WeChatMiniProgramContext.Reject"/> to revoke the session (401).
    /// </summary>
    public Func<WeChatMiniProgramRefreshContext, Task> OnRefreshing { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Invoked after WeChat confirmed who the user is, before they are signed in.</summary>
    /// <param name="context">The sign-in.</param>
    /// <returns>A task.</returns>
    public virtual Task SigningIn(WeChatMiniProgramSignInContext context) => OnSigningIn(context);

    /// <summary>Invoked before a refresh token is exchanged for new tokens.</summary>
    /// <param name="context">The refresh.</param>
    /// <returns>A task.</returns>
    public virtual Task Refreshing(WeChatMiniProgramRefreshContext context) => OnRefreshing(context);
}
