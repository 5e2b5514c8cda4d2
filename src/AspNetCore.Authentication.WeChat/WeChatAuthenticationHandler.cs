using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// Signs users in with WeChat official-account web authorization (微信网页授权).
/// </summary>
/// <remarks>
/// WeChat rejects ASP.NET Core's long protected <c>state</c>, so the handler sends a short random key instead and
/// keeps the protected authentication properties under it in <see cref="IDistributedCache"/>, for one use.
/// </remarks>
public class WeChatAuthenticationHandler : OAuthHandler<WeChatAuthenticationOptions>
{
    /// <summary>The message of a callback whose state is unknown, expired, tampered with or already used.</summary>
    internal const string ExpiredMessage = "This WeChat sign-in has expired or was already used; please sign in again.";

    internal const string CorrelationCookieMissingMessage = "This WeChat sign-in could not be completed because the browser did not send back its sign-in cookie (WeChat's in-app browser sometimes drops it); please sign in again.";

    internal const string StateStoreUnavailableMessage = "This WeChat sign-in could not be completed because its state could not be read; please try again in a moment.";

    internal const int StateLength = 32;

    // RemoteAuthenticationHandler keeps the correlation id under this item.
    private const string CorrelationProperty = ".xsrf";

    private const string TokenEndpointName = "WeChat's token endpoint";
    private const string UserInformationEndpointName = "WeChat's user information endpoint";

    private const string StateCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly SearchValues<char> StateAlphabet = SearchValues.Create(StateCharacters);

    private readonly IDistributedCache _stateStore;

    // A handler instance serves one request, so these fields never cross requests.
    private (string Key, byte[] Value)? _stateToStore;
    private bool _correlationCookieMissing;
    private AuthenticationProperties? _ticketProperties;
    private string? _signedInOpenId;

    /// <summary>
    /// Initializes a new <see cref="WeChatAuthenticationHandler"/>.
    /// </summary>
    /// <param name="options">The options monitor.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    /// <param name="stateStore">Where pending sign-ins are kept; Redis in a web farm.</param>
    public WeChatAuthenticationHandler(
        IOptionsMonitor<WeChatAuthenticationOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IDistributedCache stateStore)
        : base(options, logger, encoder)
    {
        _stateStore = stateStore;
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await base.HandleChallengeAsync(properties).ConfigureAwait(false);

        if (_stateToStore is not { } state)
        {
            return;
        }

        _stateToStore = null;
        try
        {
            await _stateStore.SetAsync(state.Key, state.Value, CreateEntryOptions(), Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            // A redirect to WeChat would only come back to an unknown state: say now that the
            // service is unavailable rather than after the user has consented.
            Logger.StateStoreUnavailableAtChallenge(ex);
            Response.Clear();
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "5";
        }
    }

    /// <inheritdoc />
    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri)
    {
        if (Options.PublicOrigin is { } origin)
        {
            redirectUri = origin.TrimEnd('/') + OriginalPathBase + Options.CallbackPath;
        }

        var scopeParameter = properties.GetParameter<ICollection<string>>(OAuthChallengeProperties.ScopeKey);
        var scope = scopeParameter is not null ? FormatScope(scopeParameter) : FormatScope();

        // WeChat echoes back at most 128 bytes of [a-zA-Z0-9] as state, so the protected properties stay
        // on the server under a short random key.
        var state = RandomNumberGenerator.GetString(StateCharacters, StateLength);
        properties.Items.TryGetValue(CorrelationProperty, out var correlationId);
        var entry = new WeChatStateEntry { Properties = Options.StateDataFormat.Protect(properties), CorrelationId = correlationId };
        _stateToStore = (StateKey(state), entry.ToBytes());

        // WeChat matches the authorization URL against a strict pattern: these parameters, in this order,
        // then #wechat_redirect (shared/wechat-api.md §2.1). Anything after the fragment never reaches WeChat.
        var url = StartQuery(Options.AuthorizationEndpoint)
            .Append("appid=").Append(Uri.EscapeDataString(Options.AppId))
            .Append("&redirect_uri=").Append(Uri.EscapeDataString(redirectUri))
            .Append("&response_type=code&scope=").Append(Uri.EscapeDataString(scope))
            .Append("&state=").Append(state);
        if (Options.ForcePopup)
        {
            url.Append("&forcePopup=true");
        }

        return url.Append("#wechat_redirect").ToString();
    }

    /// <inheritdoc />
    /// <remarks>WeChat separates scopes with commas, not spaces.</remarks>
    protected override string FormatScope(IEnumerable<string> scopes) => string.Join(',', scopes);

    /// <inheritdoc />
    protected override async Task<HandleRequestResult> HandleRemoteAuthenticateAsync()
    {
        var state = Request.Query["state"];
        if (state.Count != 1 || state[0] is not { Length: > 0 and <= StateLength } stateValue || stateValue.AsSpan().ContainsAnyExcept(StateAlphabet))
        {
            Logger.StateMalformed();
            return HandleRequestResult.Fail(new WeChatAuthenticationException(ExpiredMessage));
        }

        var key = StateKey(stateValue);
        byte[]? stored;
        try
        {
            stored = await _stateStore.GetAsync(key, Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            Logger.StateStoreUnavailableAtCallback(ex);
            return HandleRequestResult.Fail(new WeChatAuthenticationException(StateStoreUnavailableMessage, ex));
        }

        if (stored is null || WeChatStateEntry.FromBytes(stored) is not { } entry)
        {
            Logger.StateNotFound();
            return HandleRequestResult.Fail(new WeChatAuthenticationException(ExpiredMessage));
        }

        if (entry.Used)
        {
            return await HandleRepeatedCallbackAsync(entry).ConfigureAwait(false);
        }

        // Mark the state used before the code is exchanged, so that neither a replay nor WeChat's
        // duplicate callback on Android exchanges a code for it again.
        try
        {
            await _stateStore.SetAsync(key, (entry with { Used = true }).ToBytes(), CreateEntryOptions(), Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            Logger.StateStoreUnavailableAtCallback(ex);
            return HandleRequestResult.Fail(new WeChatAuthenticationException(StateStoreUnavailableMessage, ex));
        }

        RewriteQueryForBaseHandler(entry.Properties);

        HandleRequestResult result;
        try
        {
            result = await base.HandleRemoteAuthenticateAsync().ConfigureAwait(false);
        }
        catch (WeChatAuthenticationException ex)
        {
            // Thrown while creating the ticket (the user information call): keep the properties for OnRemoteFailure.
            return HandleRequestResult.Fail(ex, _ticketProperties);
        }

        if (result.Succeeded && _signedInOpenId is not null)
        {
            await RecordSignedInUserAsync(key, entry, _signedInOpenId).ConfigureAwait(false);
        }
        else if (!result.Succeeded && _correlationCookieMissing)
        {
            return HandleRequestResult.Fail(new WeChatAuthenticationException(CorrelationCookieMissingMessage), result.Properties);
        }

        return result;
    }

    /// <inheritdoc />
    protected override bool ValidateCorrelationId(AuthenticationProperties properties)
    {
        if (properties.Items.TryGetValue(CorrelationProperty, out var correlationId)
            && !Request.Cookies.ContainsKey(Options.CorrelationCookie.Name + correlationId))
        {
            _correlationCookieMissing = true;
            Logger.CorrelationCookieMissing(Options.CorrelationCookie.Name + correlationId);
        }

        return base.ValidateCorrelationId(properties);
    }

    /// <inheritdoc />
    protected override async Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context)
    {
        // WeChat exchanges the code with a GET carrying appid and secret in the query, instead of
        // RFC 6749's form POST with client_id and client_secret (shared/wechat-api.md §3.1).
        var url = StartQuery(Options.TokenEndpoint)
            .Append("appid=").Append(Uri.EscapeDataString(Options.AppId))
            .Append("&secret=").Append(Uri.EscapeDataString(Options.AppSecret))
            .Append("&code=").Append(Uri.EscapeDataString(context.Code))
            .Append("&grant_type=authorization_code")
            .ToString();

        JsonDocument document;
        try
        {
            document = await CallWeChatAsync(url, TokenEndpointName).ConfigureAwait(false);
        }
        catch (WeChatAuthenticationException ex)
        {
            return OAuthTokenResponse.Failed(ex);
        }

        var root = document.RootElement;
        if (root.GetNonEmptyString("access_token") is null
            || root.GetNonEmptyString("openid") is null)
        {
            document.Dispose();
            var failure = new WeChatAuthenticationException($"{TokenEndpointName} answered without an access_token or openid. Please try again.");
            Logger.WeChatRequestFailed(failure.Message);
            return OAuthTokenResponse.Failed(failure);
        }

        return OAuthTokenResponse.Success(document);
    }

    /// <inheritdoc />
    protected override async Task<AuthenticationTicket> CreateTicketAsync(ClaimsIdentity identity, AuthenticationProperties properties, OAuthTokenResponse tokens)
    {
        _ticketProperties = properties;
        var token = tokens.Response!.RootElement;
        var openId = token.GetNonEmptyString("openid")!;

        JsonDocument? profile = null;
        try
        {
            // snsapi_base grants no profile: WeChat answers 48001 to /sns/userinfo, so the identity comes from
            // the token response alone (shared/wechat-api.md §3.4).
            if (GrantsUserInfo(token))
            {
                profile = await GetUserInformationAsync(tokens.AccessToken!, openId, token).ConfigureAwait(false);
            }
            else
            {
                Logger.UserInfoSkipped();
            }

            using var user = WeChatUserDocument.Create(profile?.RootElement, token);
            if (Options.NameIdentifierSource == WeChatNameIdentifierSource.UnionId
                && user.RootElement.GetNonEmptyString("unionid") is null)
            {
                throw new WeChatAuthenticationException("WeChat did not return a unionid for this user, but the 'NameIdentifierSource' option requires one. A unionid is only returned when the official account is bound to a WeChat Open Platform account and the user granted snsapi_userinfo; use UnionIdOrOpenId to fall back to the openid.");
            }

            var context = new OAuthCreatingTicketContext(new ClaimsPrincipal(identity), properties, Context, Scheme, Options, Backchannel, tokens, user.RootElement);
            context.RunClaimActions();
            await Events.CreatingTicket(context).ConfigureAwait(false);
            _signedInOpenId = openId;
            return new AuthenticationTicket(context.Principal!, context.Properties, Scheme.Name);
        }
        finally
        {
            profile?.Dispose();
        }
    }

    private async Task<JsonDocument?> GetUserInformationAsync(string accessToken, string openId, JsonElement token)
    {
        var url = StartQuery(Options.UserInformationEndpoint)
            .Append("access_token=").Append(Uri.EscapeDataString(accessToken))
            .Append("&openid=").Append(Uri.EscapeDataString(openId))
            .Append("&lang=").Append(Uri.EscapeDataString(Options.Language))
            .ToString();

        JsonDocument profile;
        try
        {
            profile = await CallWeChatAsync(url, UserInformationEndpointName).ConfigureAwait(false);
        }
        catch (WeChatAuthenticationException ex) when (ex.ErrorCode == 48001 && token.TryGetProperty("is_snapshotuser", out _))
        {
            // Snapshot-page (快照页) users get 48001 from /sns/userinfo; their token response is all there is.
            Logger.SnapshotUserWithoutProfile();
            return null;
        }

        if (profile.RootElement.GetNonEmptyString("openid") is { } profileOpenId
            && !string.Equals(profileOpenId, openId, StringComparison.Ordinal))
        {
            profile.Dispose();
            throw new WeChatAuthenticationException($"{UserInformationEndpointName} answered with the profile of a different user than the token; the sign-in was stopped. Please try again.");
        }

        return profile;
    }

    private async Task<JsonDocument> CallWeChatAsync(string url, string endpointName)
    {
        try
        {
            return await WeChatApi.GetJsonAsync(Backchannel, url, endpointName, Options.BackchannelTimeout, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (WeChatAuthenticationException ex)
        {
            if (ex.ErrorCode is { } errorCode)
            {
                Logger.WeChatErrorCode(endpointName, errorCode, ex.ErrorMessage);
            }
            else
            {
                Logger.WeChatRequestFailed(ex.Message);
            }

            throw;
        }
    }

    private bool GrantsUserInfo(JsonElement token)
    {
        var granted = token.GetNonEmptyString("scope") ?? FormatScope();
        foreach (var range in granted.AsSpan().Split(','))
        {
            if (granted.AsSpan()[range].Trim().SequenceEqual(WeChatAuthenticationDefaults.UserInfoScope))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<HandleRequestResult> HandleRepeatedCallbackAsync(WeChatStateEntry entry)
    {
        // WeChat's Android browser may call the redirect_uri twice, and users refresh the callback page.
        // Only the browser this state signed in is sent on; anyone else sees the "already used" failure.
        var sameBrowser = entry.CorrelationId is not null
            && Request.Cookies.ContainsKey(Options.CorrelationCookie.Name + entry.CorrelationId);
        if (!sameBrowser && entry.OpenId is not null)
        {
            var signedIn = await Context.AuthenticateAsync(SignInScheme).ConfigureAwait(false);
            sameBrowser = signedIn.Succeeded && signedIn.Principal.HasClaim(WeChatClaimTypes.OpenId, entry.OpenId);
        }

        var properties = sameBrowser ? Options.StateDataFormat.Unprotect(entry.Properties) : null;
        if (properties is null)
        {
            Logger.StateAlreadyUsed();
            return HandleRequestResult.Fail(new WeChatAuthenticationException(ExpiredMessage));
        }

        Logger.DuplicateCallback();
        Response.Redirect(string.IsNullOrEmpty(properties.RedirectUri) ? OriginalPathBase + "/" : properties.RedirectUri);
        return HandleRequestResult.Handle();
    }

    private async Task RecordSignedInUserAsync(string key, WeChatStateEntry entry, string openId)
    {
        try
        {
            await _stateStore.SetAsync(key, (entry with { Used = true, OpenId = openId }).ToBytes(), CreateEntryOptions(), Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            Logger.StateCompletionNotRecorded(ex);
        }
    }

    private void RewriteQueryForBaseHandler(string protectedProperties)
    {
        // The base handler expects the protected properties as state, and error=access_denied when the
        // user refused: WeChat then comes back with state but without code, and never sends error.
        var query = new Dictionary<string, StringValues>(Request.Query.Count + 1, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in Request.Query)
        {
            query[name] = value;
        }

        query["state"] = protectedProperties;
        if (StringValues.IsNullOrEmpty(Request.Query["code"]) && StringValues.IsNullOrEmpty(Request.Query["error"]))
        {
            query["error"] = "access_denied";
        }

        Request.Query = new QueryCollection(query);
    }

    private static StringBuilder StartQuery(string endpoint)
        => new StringBuilder(endpoint.Length + 256).Append(endpoint).Append(endpoint.Contains('?', StringComparison.Ordinal) ? '&' : '?');

    private string StateKey(string state) => string.Concat(Options.StateCacheKeyPrefix, Scheme.Name, ":", state);

    private DistributedCacheEntryOptions CreateEntryOptions()
        => new() { AbsoluteExpirationRelativeToNow = Options.RemoteAuthenticationTimeout };
}
