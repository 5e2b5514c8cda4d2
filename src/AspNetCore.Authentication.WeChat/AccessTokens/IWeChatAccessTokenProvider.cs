namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The global access token (接口调用凭据) of one WeChat app, which every server API beyond sign-in needs: kept in
/// process (and, in a web farm, in the app's shared cache), refreshed ahead of its expiry by one caller at a time.
/// Resolve it by its name: <c>[FromKeyedServices("name")] IWeChatAccessTokenProvider</c>.
/// </summary>
/// <remarks>
/// There is deliberately no way to force a refresh here: a refresh that WeChat did not ask for invalidates the token
/// every other instance holds (<see cref="WeChatAccessTokenMode.Classic"/>) or uses up a quota of 20 a day (a forced
/// stable token). When an API rejects a token, call <see cref="InvalidateAsync"/> with that token; the passive-refresh
/// handler (<c>AddWeChatAccessTokenHandler</c>) does it for you.
/// </remarks>
public interface IWeChatAccessTokenProvider
{
    /// <summary>Gets the name the provider was registered with.</summary>
    string Name { get; }

    /// <summary>
    /// Gets a valid access token. A cached one is returned at once, without I/O or allocation; while one is being
    /// refreshed ahead of its expiry, callers keep getting the still-valid one.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for a token (never a refresh that other callers wait for).</param>
    /// <returns>The token.</returns>
    /// <exception cref="WeChatApiException">No valid token could be had; its kind and errcode say why.</exception>
    ValueTask<string> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Tells the provider that an API rejected <paramref name="rejectedToken"/> (40001, 40014, 42001), so that the next
    /// <see cref="GetAsync"/> gets another one. Only that token is invalidated: if the provider already holds a newer one,
    /// nothing happens, so that a storm of rejections of one token causes one refresh.
    /// </summary>
    /// <param name="rejectedToken">The token the API rejected.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the token is no longer handed out.</returns>
    ValueTask InvalidateAsync(string rejectedToken, CancellationToken cancellationToken = default);
}
