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
        ArgumentNullException.ThrowIfNull(properties);
        properties.RedirectUri = ReturnUrl.ToLocation(properties.RedirectUri, OriginalPathBase);
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

        try
        {
            return OAuthTokenResponse.Success(await CallWeChatAsync(url, TokenEndpointName, WeChatTokenIdentity.Read).ConfigureAwait(false));
        }
        catch (WeChatAuthenticationException ex)
        {
            return OAuthTokenResponse.Failed(ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<AuthenticationTicket> CreateTicketAsync(ClaimsIdentity identity, AuthenticationProperties properties, OAuthTokenResponse tokens)
    {
        _ticketProperties = properties;
        var token = tokens.Response!.RootElement;
        var signedIn = WeChatTokenIdentity.Read(token, TokenEndpointName);

        JsonDocument? profile = null;
        try
        {
            // snsapi_base grants no profile: WeChat answers 48001 to /sns/userinfo, so the identity comes from
            // the token response alone (shared/wechat-api.md §3.4).
            if (GrantsUserInfo(signedIn))
            {
                profile = await GetUserInformationAsync(tokens.AccessToken!, signedIn).ConfigureAwait(false);
            }
            else
            {
                Logger.UserInfoSkipped();
            }

            JsonDocument user;
            try
            {
                user = WeChatUserDocument.Create(signedIn, profile?.RootElement, UserInformationEndpointName);
            }
            catch (WeChatAuthenticationException ex)
            {
                LogFailure(ex, UserInformationEndpointName);
                throw;
            }

            using (user)
            {
                if (Options.NameIdentifierSource == WeChatNameIdentifierSource.UnionId
                    && user.RootElement.GetNonEmptyString("unionid") is null)
                {
                    Logger.UnionIdRequired();
                    throw new WeChatAuthenticationException("WeChat did not return a unionid for this user, but the 'NameIdentifierSource' option requires one. A unionid is only returned when the official account is bound to a WeChat Open Platform account and the user granted snsapi_userinfo; use UnionIdOrOpenId to fall back to the openid.");
                }

                var context = new OAuthCreatingTicketContext(new ClaimsPrincipal(identity), properties, Context, Scheme, Options, Backchannel, tokens, user.RootElement);
                context.RunClaimActions();
                await Events.CreatingTicket(context).ConfigureAwait(false);
                _signedInOpenId = signedIn.OpenId;
                return new AuthenticationTicket(context.Principal!, context.Properties, Scheme.Name);
            }
        }
        finally
        {
            profile?.Dispose();
        }
    }

    private async Task<JsonDocument?> GetUserInformationAsync(string accessToken, WeChatTokenIdentity signedIn)
    {
        var url = StartQuery(Options.UserInformationEndpoint)
            .Append("access_token=").Append(Uri.EscapeDataString(accessToken))
            .Append("&openid=").Append(Uri.EscapeDataString(signedIn.OpenId))
            .Append("&lang=").Append(Uri.EscapeDataString(Options.Language))
            .ToString();

        try
        {
            return await CallWeChatAsync<object?>(url, UserInformationEndpointName, check: null).ConfigureAwait(false);
        }
        catch (WeChatAuthenticationException ex) when (ex.ErrorCode == 48001 && signedIn.IsSnapshotUser)
        {
            // Snapshot-page (快照页) users get 48001 from /sns/userinfo; their token response is all there is.
            Logger.SnapshotUserWithoutProfile();
            return null;
        }
    }

    /// <summary>
    /// Calls WeChat, checks the answer with <paramref name="check"/>, and logs any failure once.
    /// </summary>
    private async Task<JsonDocument> CallWeChatAsync<T>(string url, string endpointName, Func<JsonElement, string, T>? check)
    {
        JsonDocument? document = null;
        try
        {
            document = await WeChatApi.GetJsonAsync(Backchannel, url, endpointName, Options.BackchannelTimeout, Context.RequestAborted).ConfigureAwait(false);
            check?.Invoke(document.RootElement, endpointName);
            return document;
        }
        catch (WeChatAuthenticationException ex)
        {
            document?.Dispose();
            LogFailure(ex, endpointName);
            throw;
        }
    }

    private void LogFailure(WeChatAuthenticationException failure, string endpointName)
    {
        if (failure.ErrorCode is { } errorCode)
        {
            Logger.WeChatErrorCode(endpointName, errorCode, failure.ErrorMessage);
        }
        else
        {
            Logger.WeChatRequestFailed(failure.Message);
        }
    }

    private bool GrantsUserInfo(WeChatTokenIdentity signedIn)
    {
        var granted = signedIn.Scope ?? FormatScope();
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
