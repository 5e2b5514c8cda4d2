using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Options for the WeChat official-account web authorization handler.
/// </summary>
public class WeChatAuthenticationOptions : WeChatOAuthOptions
{
    /// <summary>
    /// Initializes a new <see cref="WeChatAuthenticationOptions"/> with WeChat's endpoints and claim mappings.
    /// </summary>
    public WeChatAuthenticationOptions()
    {
        CallbackPath = WeChatAuthenticationDefaults.CallbackPath;
        AuthorizationEndpoint = WeChatAuthenticationDefaults.AuthorizationEndpoint;
    }

    /// <summary>
    /// Gets or sets whether WeChat must show the consent sheet even where it would authorize silently
    /// (WeChat's <c>forcePopup=true</c>).
    /// </summary>
    /// <remarks>Defaults to <see langword="false"/>.</remarks>
    public bool ForcePopup { get; set; }

    /// <summary>
    /// Gets or sets the name of a global access token (registered with <c>AddWeChatAccessToken</c> for this official
    /// account's AppID) with which each sign-in asks WeChat's <c>cgi-bin/user/info</c> whether the user follows the
    /// account, adding the <see cref="WeChatClaimTypes.Subscribe"/> claim, and the unionid that a silent
    /// <c>snsapi_base</c> sign-in does not get from the token response.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>: no call. WeChat gives the unionid this way only for followers. When the call
    /// fails, the sign-in goes on without these claims (and logs a warning), unless
    /// <see cref="WeChatOAuthOptions.NameIdentifierSource"/> is <see cref="WeChatNameIdentifierSource.UnionId"/>, which then fails it.
    /// </remarks>
    public string? FollowerInformationAccessToken { get; set; }

    /// <summary>
    /// Gets or sets WeChat's follower information endpoint (<c>cgi-bin/user/info</c>), called when
    /// <see cref="FollowerInformationAccessToken"/> is set.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatAuthenticationDefaults.FollowerInformationEndpoint"/>.</remarks>
    public string FollowerInformationEndpoint { get; set; } = WeChatAuthenticationDefaults.FollowerInformationEndpoint;

    /// <summary>Gets the follower information endpoint as the API client names it.</summary>
    internal WeChatApiEndpoint FollowerInformationApi => _followerInformationApi is { } api && api.Url == FollowerInformationEndpoint
        ? api
        : _followerInformationApi = new WeChatApiEndpoint("WeChat's follower information endpoint", FollowerInformationEndpoint);

    private WeChatApiEndpoint? _followerInformationApi;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        WeChatOptionsChecks.Endpoint(FollowerInformationEndpoint, nameof(FollowerInformationEndpoint));
        if (FollowerInformationAccessToken is { } name && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("The 'FollowerInformationAccessToken' option must be null (no follower lookup) or the name given to AddWeChatAccessToken.", nameof(FollowerInformationAccessToken));
        }
    }

    internal override string DefaultScope => WeChatAuthenticationDefaults.UserInfoScope;

    internal override string AllowedScopes => $"one of '{WeChatAuthenticationDefaults.UserInfoScope}' or '{WeChatAuthenticationDefaults.BaseScope}'";

    internal override string AppDescription => "official account";

    internal override string ConfigurationSection => "Authentication:WeChat";

    internal override string ProtectorPurpose => typeof(WeChatAuthenticationHandler).FullName!;

    internal override bool IsAllowedScope(string scope)
        => scope is WeChatAuthenticationDefaults.UserInfoScope or WeChatAuthenticationDefaults.BaseScope;
}
