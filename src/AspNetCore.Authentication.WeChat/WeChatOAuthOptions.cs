using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// The options every WeChat browser sign-in shares: official-account web authorization
/// (<see cref="WeChatAuthenticationOptions"/>) and website QR login (<see cref="WeChatQrConnectOptions"/>). Both use
/// WeChat's <c>sns/oauth2/access_token</c> and <c>sns/userinfo</c> with their own app's AppID and AppSecret.
/// </summary>
public abstract class WeChatOAuthOptions : OAuthOptions
{
    /// <summary>
    /// Initializes a new <see cref="WeChatOAuthOptions"/> with WeChat's token and user information endpoints and claim
    /// mappings.
    /// </summary>
    protected WeChatOAuthOptions()
    {
        TokenEndpoint = WeChatAuthenticationDefaults.TokenEndpoint;
        UserInformationEndpoint = WeChatAuthenticationDefaults.UserInformationEndpoint;

        // The scope default is applied after configuration, not here: the configuration binder appends to
        // collections, so a default added here could never be replaced by "Scope": [ "snsapi_base" ] in appsettings.json.

        // The callback is a top-level GET navigation from open.weixin.qq.com, which SameSite=Lax cookies
        // survive. Lax (rather than None) also works on plain http, where browsers reject SameSite=None
        // cookies that are not Secure.
        CorrelationCookie.SameSite = SameSiteMode.Lax;
        CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

        ClaimActions.Add(new WeChatNameIdentifierClaimAction(this));
        ClaimActions.Add(new WeChatAppIdClaimAction(this));
        ClaimActions.MapJsonKey(ClaimTypes.Name, "nickname");
        ClaimActions.MapJsonKey(WeChatClaimTypes.OpenId, "openid");
        ClaimActions.MapJsonKey(WeChatClaimTypes.UnionId, "unionid");
        ClaimActions.MapJsonKey(WeChatClaimTypes.HeadImageUrl, "headimgurl");
        ClaimActions.MapJsonKey(WeChatClaimTypes.Privilege, "privilege");
        ClaimActions.Add(new CommaSeparatedJsonKeyClaimAction(WeChatClaimTypes.Scope, "scope"));
        ClaimActions.MapJsonKey(WeChatClaimTypes.IsSnapshotUser, "is_snapshotuser");
        ClaimActions.MapJsonKey(WeChatClaimTypes.Subscribe, "subscribe");

        // Since 2021-10-20 WeChat blanks these (sex 0, empty strings); only real values become claims.
        ClaimActions.Add(new WeChatGenderClaimAction());
        ClaimActions.MapJsonKey(ClaimTypes.StateOrProvince, "province");
        ClaimActions.MapJsonKey(ClaimTypes.Locality, "city");
        ClaimActions.MapJsonKey(ClaimTypes.Country, "country");
    }

    /// <summary>
    /// Gets or sets the app's AppID (the same value as <see cref="OAuthOptions.ClientId"/>): the official account's, or
    /// the website app's for QR login.
    /// </summary>
    public string AppId
    {
        get => ClientId;
        set => ClientId = value;
    }

    /// <summary>
    /// Gets or sets the app's AppSecret (the same value as <see cref="OAuthOptions.ClientSecret"/>).
    /// Keep it out of source control; it never appears in logs or exception messages.
    /// </summary>
    public string AppSecret
    {
        get => ClientSecret;
        set => ClientSecret = value;
    }

    /// <summary>
    /// Gets or sets the language of the user profile (<c>lang</c>): <c>zh_CN</c>, <c>zh_TW</c> or <c>en</c>.
    /// </summary>
    /// <remarks>Defaults to <c>zh_CN</c>.</remarks>
    public string Language { get; set; } = "zh_CN";

    /// <summary>
    /// Gets or sets which WeChat identifier becomes the <see cref="ClaimTypes.NameIdentifier"/> claim.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatNameIdentifierSource.OpenId"/>.</remarks>
    public WeChatNameIdentifierSource NameIdentifierSource { get; set; } = WeChatNameIdentifierSource.OpenId;

    /// <summary>
    /// Gets or sets the public origin (for example <c>https://www.example.com</c>) used to build the
    /// <c>redirect_uri</c> sent to WeChat, for apps behind a proxy that does not forward the original scheme and host.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="null"/>: the request's scheme, host and path base are used, which is right
    /// whenever forwarded headers are processed (<c>UseForwardedHeaders</c>).
    /// </remarks>
    public string? PublicOrigin { get; set; }

    /// <summary>
    /// Gets or sets WeChat's endpoint that renews a user access token (<c>sns/oauth2/refresh_token</c>), used by
    /// <see cref="IWeChatUserTokenService.RefreshAsync"/>.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatAuthenticationDefaults.RefreshTokenEndpoint"/>.</remarks>
    public string RefreshTokenEndpoint { get; set; } = WeChatAuthenticationDefaults.RefreshTokenEndpoint;

    /// <summary>
    /// Gets or sets WeChat's endpoint that checks a user access token (<c>sns/auth</c>), used by
    /// <see cref="IWeChatUserTokenService.IsValidAsync"/>.
    /// </summary>
    /// <remarks>Defaults to <see cref="WeChatAuthenticationDefaults.TokenValidationEndpoint"/>.</remarks>
    public string TokenValidationEndpoint { get; set; } = WeChatAuthenticationDefaults.TokenValidationEndpoint;

    /// <summary>
    /// Gets or sets the prefix of the <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> keys
    /// under which pending sign-ins are kept.
    /// </summary>
    /// <remarks>Defaults to <c>WeChat.Authentication.State:</c>. The scheme name and the state follow it.</remarks>
    public string StateCacheKeyPrefix { get; set; } = "WeChat.Authentication.State:";

    /// <summary>
    /// Gets or sets how long a read or write of the sign-in state store may take before the sign-in fails.
    /// </summary>
    /// <remarks>Defaults to 5 seconds.</remarks>
    public TimeSpan StateStoreTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Protects the sign-in a state produced, kept for a duplicate callback from the same browser. Set after
    /// configuration from <see cref="RemoteAuthenticationOptions.DataProtectionProvider"/>.
    /// </summary>
    internal ISecureDataFormat<AuthenticationTicket> SignInTicketFormat { get; set; } = null!;

    /// <summary>Gets the token endpoint as the API client names it (made on first use, once the endpoints are final).</summary>
    internal WeChatApiEndpoint TokenApi => _tokenApi is { } api && api.Url == TokenEndpoint
        ? api
        : _tokenApi = new WeChatApiEndpoint("WeChat's token endpoint", TokenEndpoint);

    /// <summary>Gets the user information endpoint as the API client names it.</summary>
    internal WeChatApiEndpoint UserInformationApi => _userInformationApi is { } api && api.Url == UserInformationEndpoint
        ? api
        : _userInformationApi = new WeChatApiEndpoint("WeChat's user information endpoint", UserInformationEndpoint);

    /// <summary>Gets the refresh token endpoint as the API client names it.</summary>
    internal WeChatApiEndpoint RefreshTokenApi => _refreshTokenApi is { } api && api.Url == RefreshTokenEndpoint
        ? api
        : _refreshTokenApi = new WeChatApiEndpoint("WeChat's refresh token endpoint", RefreshTokenEndpoint, UserTokenErrorCodes);

    /// <summary>Gets the token validation endpoint as the API client names it.</summary>
    internal WeChatApiEndpoint TokenValidationApi => _tokenValidationApi is { } api && api.Url == TokenValidationEndpoint
        ? api
        : _tokenValidationApi = new WeChatApiEndpoint("WeChat's token validation endpoint", TokenValidationEndpoint);

    private WeChatApiEndpoint? _tokenApi;
    private WeChatApiEndpoint? _userInformationApi;
    private WeChatApiEndpoint? _refreshTokenApi;
    private WeChatApiEndpoint? _tokenValidationApi;

    // A refresh token WeChat no longer takes: only a new authorization gives another.
    // https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsrefreshtoken
    private static (WeChatFailureKind, string)? UserTokenErrorCodes(int errorCode) => errorCode switch
    {
        WeChatErrorCodes.InvalidRefreshToken => (WeChatFailureKind.ReauthorizationRequired, "the refresh token is not valid (or no longer: a new authorization replaced it); the user must sign in again"),
        WeChatErrorCodes.RefreshTokenExpired => (WeChatFailureKind.ReauthorizationRequired, "the refresh token expired (it lives 30 days from the authorization and cannot be renewed); the user must sign in again"),
        WeChatErrorCodes.PasswordChanged => (WeChatFailureKind.ReauthorizationRequired, "the user's tokens were revoked (a changed WeChat password, for one); the user must sign in again"),
        _ => null,
    };

    /// <summary>
    /// Checks that the options are valid for WeChat.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it.</exception>
    public override void Validate()
    {
        if (string.IsNullOrEmpty(AppId))
        {
            throw new ArgumentException($"The 'AppId' option must be provided: set it to the {AppDescription}'s AppID (for example {ConfigurationSection}:AppId).", nameof(AppId));
        }

        if (string.IsNullOrEmpty(AppSecret))
        {
            throw new ArgumentException($"The 'AppSecret' option must be provided: set it to the {AppDescription}'s AppSecret (for example {ConfigurationSection}:AppSecret, kept out of source control).", nameof(AppSecret));
        }

        WeChatOptionsChecks.Endpoint(AuthorizationEndpoint, nameof(AuthorizationEndpoint));
        WeChatOptionsChecks.Endpoint(TokenEndpoint, nameof(TokenEndpoint));
        WeChatOptionsChecks.Endpoint(UserInformationEndpoint, nameof(UserInformationEndpoint));
        WeChatOptionsChecks.Endpoint(RefreshTokenEndpoint, nameof(RefreshTokenEndpoint));
        WeChatOptionsChecks.Endpoint(TokenValidationEndpoint, nameof(TokenValidationEndpoint));
        if (Scope.Count != 1 || !IsAllowedScope(Scope.First()))
        {
            throw new ArgumentException($"The 'Scope' option must hold exactly {AllowedScopes}, but it holds '{string.Join(",", Scope)}'.", nameof(Scope));
        }

        if (UsePkce)
        {
            throw new ArgumentException("The 'UsePkce' option must be false: WeChat does not support PKCE.", nameof(UsePkce));
        }

        if (string.IsNullOrWhiteSpace(Language))
        {
            throw new ArgumentException("The 'Language' option must be provided: zh_CN, zh_TW or en.", nameof(Language));
        }

        if (!Enum.IsDefined(NameIdentifierSource))
        {
            throw new ArgumentException("The 'NameIdentifierSource' option must be OpenId, UnionId or UnionIdOrOpenId.", nameof(NameIdentifierSource));
        }

        if (PublicOrigin is not null
            && (!Uri.TryCreate(PublicOrigin, UriKind.Absolute, out var origin)
                || (origin.Scheme != Uri.UriSchemeHttps && origin.Scheme != Uri.UriSchemeHttp)
                || origin.AbsolutePath != "/" || origin.Query.Length > 0 || origin.Fragment.Length > 0))
        {
            throw new ArgumentException($"The 'PublicOrigin' option must be an absolute http or https origin such as 'https://www.example.com' (no path or query), but it is '{PublicOrigin}'.", nameof(PublicOrigin));
        }

        if (BackchannelTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The 'BackchannelTimeout' option must be a positive time span.", nameof(BackchannelTimeout));
        }

        if (StateStoreTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The 'StateStoreTimeout' option must be a positive time span.", nameof(StateStoreTimeout));
        }

        if (string.IsNullOrEmpty(StateCacheKeyPrefix))
        {
            throw new ArgumentException("The 'StateCacheKeyPrefix' option must not be empty.", nameof(StateCacheKeyPrefix));
        }

        base.Validate();
    }

    /// <summary>The scope used when the app configured none.</summary>
    internal abstract string DefaultScope { get; }

    /// <summary>The scopes <see cref="Validate"/> accepts, for its message ("one of 'a' or 'b'").</summary>
    internal abstract string AllowedScopes { get; }

    /// <summary>What the app is, for messages: "official account" or "website app".</summary>
    internal abstract string AppDescription { get; }

    /// <summary>The configuration section the sample and the README bind these options from, for messages.</summary>
    internal abstract string ConfigurationSection { get; }

    /// <summary>The purpose under which the sign-in tickets kept for duplicate callbacks are protected.</summary>
    internal abstract string ProtectorPurpose { get; }

    /// <summary>Whether <paramref name="scope"/> is one this flow may ask WeChat for.</summary>
    internal abstract bool IsAllowedScope(string scope);
}
