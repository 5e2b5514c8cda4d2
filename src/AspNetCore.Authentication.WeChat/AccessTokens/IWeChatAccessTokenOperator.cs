namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// An operator's actions on a WeChat app's global access token, kept apart from <see cref="IWeChatAccessTokenProvider"/>
/// so that no caller refreshes by accident. Resolve it by the provider's name:
/// <c>[FromKeyedServices("name")] IWeChatAccessTokenOperator</c>, from an admin endpoint or tool.
/// </summary>
public interface IWeChatAccessTokenOperator
{
    /// <summary>
    /// Replaces the token at once, for when it leaked: in <see cref="WeChatAccessTokenMode.Stable"/> mode through
    /// <c>force_refresh=true</c>, which WeChat allows 20 times a day, 30 seconds apart, and which invalidates the previous
    /// token everywhere; in <see cref="WeChatAccessTokenMode.Classic"/> mode through a new <c>cgi-bin/token</c> call, after
    /// which WeChat keeps the previous token valid 5 more minutes. The new token goes to the shared cache, so a farm
    /// adopts it as its instances refresh.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the new token is in use.</returns>
    /// <exception cref="WeChatApiException">
    /// WeChat gave no token, or this instance force-refreshed less than 30 seconds ago or 20 times since midnight
    /// (China Standard Time), in which case the kind is <see cref="WeChatFailureKind.RateLimited"/> and WeChat is not called.
    /// </exception>
    Task ForceRefreshAsync(CancellationToken cancellationToken = default);
}
