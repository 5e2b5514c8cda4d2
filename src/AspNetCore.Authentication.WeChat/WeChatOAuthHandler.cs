using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AspNetCore.Authentication.WeChat;

/// <summary>
/// What every WeChat browser sign-in does the same way: official-account web authorization
/// (<see cref="WeChatAuthenticationHandler"/>) and website QR login (<see cref="WeChatQrConnectHandler"/>) differ only
/// in the link they send the browser to.
/// </summary>
/// <remarks>
/// WeChat rejects ASP.NET Core's long protected <c>state</c>, so the handler sends a short random key instead and
/// keeps the protected authentication properties under it on the server (in the app's
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> when it has one), for one use. Identity
/// comes from the token response alone; the profile adds bounded profile fields.
/// </remarks>
/// <typeparam name="TOptions">The flow's options.</typeparam>
public abstract class WeChatOAuthHandler<TOptions> : OAuthHandler<TOptions>
    where TOptions : WeChatOAuthOptions, new()
{
    /// <summary>The message of a callback whose state is unknown, expired, tampered with or already used.</summary>
    internal const string ExpiredMessage = "The WeChat callback's state is unknown, expired or was already used (WeChatFailureKind.StateExpired); the user must sign in again.";

    internal const string CorrelationCookieMissingMessage = "The WeChat callback came without the correlation cookie of the browser that began the sign-in: WeChat's in-app browser sometimes drops cookies, or the link was opened in another browser. The state was left unspent.";

    internal const string StateStoreUnavailableMessage = "The WeChat sign-in state store (the IDistributedCache, or the IWeChatAtomicStore) failed or did not answer within StateStoreTimeout.";

    internal const string AccessDeniedMessage = "The user refused to authorize the app on WeChat's consent page.";

    internal const int StateLength = 32;

    /// <summary>The most characters the items of a challenge's properties may hold; more is answered 400.</summary>
    internal const int MaxPropertiesLength = 4096;

    // RemoteAuthenticationHandler keeps the correlation id under this item.
    private const string CorrelationProperty = ".xsrf";


    private const string StateCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly SearchValues<char> StateAlphabet = SearchValues.Create(StateCharacters);

    // A handler instance serves one request, so these fields never cross requests.
    private WeChatStateStore? _stateStore;
    private (string Key, WeChatStateEntry Entry)? _stateToStore;
    private AuthenticationProperties? _ticketProperties;
    private string? _signedInOpenId;

    /// <summary>
    /// Initializes a new <see cref="WeChatOAuthHandler{TOptions}"/>.
    /// </summary>
    /// <param name="options">The options monitor.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    protected WeChatOAuthHandler(IOptionsMonitor<TOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, new ChallengeLogFilter(logger), encoder)
    {
    }

    private WeChatStateStore StateStore => _stateStore ??= Context.RequestServices.GetRequiredService<WeChatStateStore>();

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!IsKeepable(properties))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        await base.HandleChallengeAsync(properties).ConfigureAwait(false);

        if (_stateToStore is not { } state)
        {
            return;
        }

        _stateToStore = null;
        if (!await StoreStateAsync(state.Key, state.Entry).ConfigureAwait(false))
        {
            // A redirect to WeChat would only come back to an unknown state: say now that the
            // service is unavailable rather than after the user has consented.
            Response.Clear();
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "5";
        }
    }

    /// <inheritdoc />
    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var scopeParameter = properties.GetParameter<ICollection<string>>(OAuthChallengeProperties.ScopeKey);
        var scope = scopeParameter is not null ? FormatScope(scopeParameter) : FormatScope();
        var state = NewState();
        _stateToStore = (StateKey(state), NewStateEntry(properties));
        return BuildAuthorizationUrl(PublicRedirectUri(redirectUri), scope, state);
    }

    /// <summary>
    /// Builds the link to WeChat's authorization page for a challenge.
    /// </summary>
    /// <param name="redirectUri">The callback URL, not yet escaped.</param>
    /// <param name="scope">The scopes, comma-separated, not yet escaped.</param>
    /// <param name="state">The short state key, <c>[A-Za-z0-9]</c>.</param>
    /// <returns>The absolute URL to send the browser to.</returns>
    private protected abstract string BuildAuthorizationUrl(string redirectUri, string scope, string state);

    /// <summary>
    /// Begins a sign-in without redirecting: issues the correlation cookie and a state kept on the server exactly as a
    /// challenge does, for a page that opens WeChat's authorization itself (the embedded QR code of <c>wxLogin.js</c>).
    /// The callback then checks it as it checks every other.
    /// </summary>
    /// <returns>The state and the callback URL, or <see langword="null"/> with the response's status set (400: the
    /// properties are too large to keep; 503: the state store failed).</returns>
    private protected async Task<(string State, string RedirectUri)?> BeginWithoutRedirectAsync(AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (string.IsNullOrEmpty(properties.RedirectUri))
        {
            properties.RedirectUri = OriginalPathBase + "/";
        }

        if (!IsKeepable(properties))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }

        // As the base handler's challenge does, less the redirect.
        GenerateCorrelationId(properties);
        var state = NewState();
        if (!await StoreStateAsync(StateKey(state), NewStateEntry(properties)).ConfigureAwait(false))
        {
            Response.Cookies.Delete(Options.CorrelationCookie.Name + properties.Items[CorrelationProperty], Options.CorrelationCookie.Build(Context, TimeProvider.GetUtcNow()));
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "5";
            return null;
        }

        return (state, PublicRedirectUri(BuildRedirectUri(Options.CallbackPath)));
    }

    /// <summary>
    /// Completes the return URL as the base handler would and says whether the challenge is small enough to keep:
    /// every anonymous challenge makes the server keep an entry for RemoteAuthenticationTimeout, and one request must
    /// not make it keep kilobytes (a 7 KB return URL), so absurd challenges are refused (and logged) before anything is
    /// stored.
    /// </summary>
    private bool IsKeepable(AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);

        // As the base handler would (later): back to the page that was challenged.
        if (string.IsNullOrEmpty(properties.RedirectUri))
        {
            properties.RedirectUri = OriginalPathBase + OriginalPath + Request.QueryString;
        }

        properties.RedirectUri = ReturnUrl.ToLocation(properties.RedirectUri, OriginalPathBase);
        var length = properties.Items.Sum(item => item.Key.Length + (item.Value?.Length ?? 0));
        if (properties.RedirectUri?.Length > ReturnUrl.MaxLength || length > MaxPropertiesLength)
        {
            Logger.ChallengeTooLarge(properties.RedirectUri?.Length ?? 0, length);
            return false;
        }

        return true;
    }

    // WeChat echoes back at most 128 bytes of [a-zA-Z0-9] as state, so the protected properties stay
    // on the server under a short random key.
    internal static string NewState()
    {
        // One draw of random bytes for the whole state (RandomNumberGenerator.GetString draws per character), each
        // byte below 248 = 4 × 62 taken as one of the 62 characters, so that every character is equally likely.
        return string.Create(StateLength, 0, (state, _) =>
        {
            Span<byte> bytes = stackalloc byte[64];
            var written = 0;
            while (written < state.Length)
            {
                RandomNumberGenerator.Fill(bytes);
                foreach (var b in bytes)
                {
                    if (b < 248 && written < state.Length)
                    {
                        state[written++] = StateCharacters[b % 62];
                    }
                }
            }
        });
    }

    private WeChatStateEntry NewStateEntry(AuthenticationProperties properties)
    {
        properties.Items.TryGetValue(CorrelationProperty, out var correlationId);

        // In this process's own store the properties are kept as they are (a copy: the app's object may change later);
        // in a shared store, protected as the framework protects its state.
        return LocalStates is not null
            ? new WeChatStateEntry { Properties = "", LocalProperties = new Dictionary<string, string?>(properties.Items, StringComparer.Ordinal), CorrelationId = correlationId }
            : new WeChatStateEntry { Properties = Options.StateDataFormat.Protect(properties), CorrelationId = correlationId };
    }

    /// <summary>The format that lends kept properties to the base handler, when states stay in this process.</summary>
    private WeChatStateDataFormat? LocalStates => StateStore.IsInProcess ? Options.StateDataFormat as WeChatStateDataFormat : null;

    /// <summary>The properties a state kept, or <see langword="null"/> when they no longer unprotect (a changed key ring).</summary>
    private AuthenticationProperties? ReadProperties(WeChatStateEntry entry)
        => entry.LocalProperties is { } local ? new AuthenticationProperties(new Dictionary<string, string?>(local, StringComparer.Ordinal)) : Options.StateDataFormat.Unprotect(entry.Properties);

    private string PublicRedirectUri(string redirectUri)
        => Options.PublicOrigin is { } origin ? origin.TrimEnd('/') + OriginalPathBase + Options.CallbackPath : redirectUri;

    /// <summary>Stores a new state; <see langword="false"/> (and logged) when the store failed or did not answer in time.</summary>
    private async Task<bool> StoreStateAsync(string key, WeChatStateEntry entry)
    {
        try
        {
            await StateStore.AddAsync(key, entry, Options.RemoteAuthenticationTimeout, ClientPartition.Of(Context.Connection.RemoteIpAddress), Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            Logger.StateStoreUnavailableAtChallenge(ex);
            return false;
        }
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
            return Fail(WeChatFailureKind.StateExpired, ExpiredMessage);
        }

        var key = StateKey(stateValue);
        var (read, entry) = await ReadStateAsync(key).ConfigureAwait(false);
        if (!read)
        {
            return Fail(WeChatFailureKind.StateStoreUnavailable, StateStoreUnavailableMessage);
        }

        if (entry is null)
        {
            Logger.StateNotFound();
            return Fail(WeChatFailureKind.StateExpired, ExpiredMessage);
        }

        if (entry.Outcome != WeChatStateOutcome.Pending)
        {
            return await HandleRepeatedCallbackAsync(entry).ConfigureAwait(false);
        }

        // Only the browser that began the sign-in may spend its state. A request without its correlation cookie (a
        // link preview, a proxy's prefetch, someone who saw the URL) fails without touching it, so that the owner's
        // own callback still works.
        if (!HasCorrelationCookie(entry))
        {
            Logger.CorrelationCookieMissing(Options.CorrelationCookie.Name!);
            return Fail(WeChatFailureKind.CorrelationCookieMissing, CorrelationCookieMissingMessage);
        }

        // Exactly one callback per state exchanges a code: WeChat's duplicate callback on Android (same code, or a
        // second code), a refresh, or a race all lose the claim and wait for the winner's outcome instead.
        var owner = RandomNumberGenerator.GetBytes(16);
        switch (await TryClaimAsync(key, owner).ConfigureAwait(false))
        {
            case null:
                return Fail(WeChatFailureKind.StateStoreUnavailable, StateStoreUnavailableMessage);
            case false when await AwaitFirstCallbackAsync(key, owner).ConfigureAwait(false) is { } answer:
                return answer;
        }

        var lender = entry.LocalProperties is not null ? LocalStates : null;
        var baseState = lender is not null ? lender.Lend(key, ReadProperties(entry)!) : entry.Properties;
        RewriteQueryForBaseHandler(baseState);

        HandleRequestResult? result = null;
        try
        {
            result = WithKind(await base.HandleRemoteAuthenticateAsync().ConfigureAwait(false));
        }
        catch (WeChatAuthenticationException ex)
        {
            // Thrown while creating the ticket (the user information call): keep the properties for OnRemoteFailure.
            result = HandleRequestResult.Fail(ex, _ticketProperties);
        }
        finally
        {
            lender?.Return(baseState);

            // Whatever happened (an app's event may throw), a duplicate waiting for this outcome must not wait in vain.
            await RecordOutcomeAsync(key, entry, result).ConfigureAwait(false);
        }

        return result;
    }

    /// <inheritdoc />
    protected override async Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // WeChat exchanges the code with a GET carrying appid and secret in the query, instead of
        // RFC 6749's form POST with client_id and client_secret
        // (https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken).
        try
        {
            return OAuthTokenResponse.Success(await Api.GetAsync(
                Options.TokenApi,
                [("appid", Options.AppId), ("secret", Options.AppSecret), ("code", context.Code), ("grant_type", "authorization_code")],
                check: static (token, endpoint) => WeChatTokenIdentity.Read(token, endpoint),
                cancellationToken: ExchangeAborted).ConfigureAwait(false));
        }
        catch (WeChatApiException ex)
        {
            return OAuthTokenResponse.Failed(new WeChatAuthenticationException(ex));
        }
    }

    /// <inheritdoc />
    protected override async Task<AuthenticationTicket> CreateTicketAsync(ClaimsIdentity identity, AuthenticationProperties properties, OAuthTokenResponse tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _ticketProperties = properties;
        var signedIn = WeChatTokenIdentity.Read(tokens.Response!.RootElement, Options.TokenApi);

        JsonDocument? profile = null;
        try
        {
            // snsapi_base grants no profile: WeChat answers 48001 to /sns/userinfo, so the identity comes from
            // the token response alone (https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsuserinfo).
            if (GrantsUserInfo(signedIn))
            {
                profile = await GetUserInformationAsync(tokens.AccessToken!, signedIn).ConfigureAwait(false);
            }
            else
            {
                Logger.UserInfoSkipped();
            }

            (signedIn, var subscribe) = await AddFollowerInformationAsync(signedIn, profile?.RootElement).ConfigureAwait(false);
            using var user = WeChatUserDocument.Create(signedIn, profile?.RootElement, subscribe);
            if (Options.NameIdentifierSource == WeChatNameIdentifierSource.UnionId
                && user.RootElement.GetNonEmptyString("unionid") is null)
            {
                Logger.UnionIdRequired();
                throw new WeChatAuthenticationException(
                    $"WeChat did not return a unionid for this user, but the 'NameIdentifierSource' option requires one. A unionid is only returned when the {Options.AppDescription} is bound to a WeChat Open Platform account (and, for an official account, the user granted snsapi_userinfo); use UnionIdOrOpenId to fall back to the openid.",
                    WeChatFailureKind.UnionIdMissing);
            }

            var context = new OAuthCreatingTicketContext(new ClaimsPrincipal(identity), properties, Context, Scheme, Options, Backchannel, tokens, user.RootElement);
            context.RunClaimActions();
            await Events.CreatingTicket(context).ConfigureAwait(false);
            _signedInOpenId = signedIn.OpenId;
            return new AuthenticationTicket(context.Principal!, context.Properties, Scheme.Name);
        }
        finally
        {
            profile?.Dispose();
        }
    }

    private async Task<JsonDocument?> GetUserInformationAsync(string accessToken, WeChatTokenIdentity signedIn)
    {
        try
        {
            return await Api.GetAsync(
                Options.UserInformationApi,
                [("access_token", accessToken), ("openid", signedIn.OpenId), ("lang", Options.Language)],
                check: (profile, endpoint) => WeChatUserDocument.CheckProfile(signedIn, profile, endpoint),
                // Snapshot-page (快照页) users get 48001 from /sns/userinfo; their token response is all there is.
                isExpected: signedIn.IsSnapshotUser ? static code => code == WeChatErrorCodes.ApiUnauthorized : null,
                cancellationToken: ExchangeAborted).ConfigureAwait(false);
        }
        catch (WeChatApiException ex) when (ex.ErrorCode == WeChatErrorCodes.ApiUnauthorized && signedIn.IsSnapshotUser)
        {
            Logger.SnapshotUserWithoutProfile();
            return null;
        }
        catch (WeChatApiException ex)
        {
            throw new WeChatAuthenticationException(ex);
        }
    }

    /// <summary>
    /// Adds what the flow knows beyond the token response and the profile (the official account's follower lookup).
    /// </summary>
    /// <returns>The identity, with any unionid learned, and the <c>subscribe</c> value or <see langword="null"/>.</returns>
    private protected virtual Task<(WeChatTokenIdentity SignedIn, int? Subscribe)> AddFollowerInformationAsync(WeChatTokenIdentity signedIn, JsonElement? profile)
        => Task.FromResult<(WeChatTokenIdentity, int?)>((signedIn, null));

    // Not cancelled with the request: once a callback has claimed the state, its code is spent either way, and a
    // duplicate callback from the same browser (which replaced this navigation) is waiting for the outcome.
    // BackchannelTimeout bounds every call.
    private protected static CancellationToken ExchangeAborted => CancellationToken.None;

    private WeChatApiClient Api => new(Backchannel, Options.BackchannelTimeout, Logger);

    // snsapi_userinfo (official account) and snsapi_login (website) grant the profile; snsapi_base does not.
    private bool GrantsUserInfo(WeChatTokenIdentity signedIn)
    {
        var granted = signedIn.Scope ?? FormatScope();
        foreach (var range in granted.AsSpan().Split(','))
        {
            var scope = granted.AsSpan()[range].Trim();
            if (scope.SequenceEqual(WeChatAuthenticationDefaults.UserInfoScope) || scope.SequenceEqual(WeChatQrConnectDefaults.LoginScope))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<HandleRequestResult> HandleRepeatedCallbackAsync(WeChatStateEntry entry)
    {
        // WeChat's Android browser may call the redirect_uri twice, and users refresh the callback page. Only the
        // browser this state signed in is sent on; anyone else, and any browser whose sign-in failed, sees the
        // "expired or already used" failure.
        if (entry.Outcome == WeChatStateOutcome.SignedIn)
        {
            if (HasCorrelationCookie(entry) && (entry.SignedIn is { } kept ? TicketSerializer.Default.Deserialize(kept) : Options.SignInTicketFormat.Unprotect(entry.Ticket)) is { } ticket)
            {
                // The browser that began the sign-in, whose first answer may never have arrived (the second
                // navigation replaced it): the same ticket, without a second exchange, goes through the framework's
                // own TicketReceived and sign-in again, so that the app decides as it did the first time (an app that
                // refused the user there refuses again).
                DeleteCorrelationCookie(entry.CorrelationId!);
                Logger.DuplicateCallback();
                return HandleRequestResult.Success(ticket);
            }
            if (entry.OpenId is not null && ReadProperties(entry) is { } properties)
            {
                var signedIn = await Context.AuthenticateAsync(SignInScheme).ConfigureAwait(false);
                if (signedIn.Succeeded && signedIn.Principal.HasClaim(WeChatClaimTypes.OpenId, entry.OpenId))
                {
                    return RedirectToReturnUrl(properties);
                }
            }
        }

        Logger.StateAlreadyUsed();
        return Fail(WeChatFailureKind.StateExpired, ExpiredMessage);
    }

    private static HandleRequestResult Fail(WeChatFailureKind kind, string message, Exception? innerException = null)
        => HandleRequestResult.Fail(new WeChatAuthenticationException(message, kind, innerException));

    /// <summary>
    /// Gives the base handler's own failures a kind: the user's refusal (without an AccessDeniedPath), a correlation
    /// cookie whose value is not the one issued, and properties that no longer unprotect.
    /// </summary>
    private static HandleRequestResult WithKind(HandleRequestResult result)
    {
        if (result.Failure is null or WeChatException)
        {
            return result;
        }

        // The base handler's texts are its own constants: "Correlation failed.", "The oauth state was missing or invalid."
        // (the properties no longer unprotect, e.g. after the key ring changed).
        var (kind, message) = result.Failure.Data["error"] as string == "access_denied" ? (WeChatFailureKind.AccessDenied, AccessDeniedMessage)
            : result.Failure.Message == "Correlation failed." ? (WeChatFailureKind.CorrelationCookieMissing, CorrelationCookieMissingMessage)
            : (WeChatFailureKind.StateExpired, ExpiredMessage);
        return HandleRequestResult.Fail(new WeChatAuthenticationException(message, kind, result.Failure), result.Properties);
    }

    private HandleRequestResult RedirectToReturnUrl(AuthenticationProperties properties)
    {
        Logger.DuplicateCallback();
        Response.Redirect(string.IsNullOrEmpty(properties.RedirectUri) ? OriginalPathBase + "/" : properties.RedirectUri);
        return HandleRequestResult.Handle();
    }

    /// <summary>
    /// Claims the state for <paramref name="owner"/>: <see langword="true"/> when won, <see langword="false"/> when
    /// another callback holds it, <see langword="null"/> (logged) when the store failed or did not answer in time.
    /// </summary>
    private async Task<bool?> TryClaimAsync(string key, byte[] owner)
    {
        // Not cancelled with the request: a claim that succeeded in the store must be followed through.
        var claim = StateStore.TryClaimAsync(key, owner, Options.RemoteAuthenticationTimeout, CancellationToken.None);
        try
        {
            return await claim.WaitAsync(Options.StateStoreTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Logger.StateStoreUnavailableAtCallback(ex);
            // The claim may still reach the store after this: then it is given back, so that the state is not left
            // claimed by a callback that spent nothing and this browser's retry can sign in.
            _ = GiveBackLateClaimAsync(claim, key, owner);
            return null;
        }
    }

    private async Task GiveBackLateClaimAsync(Task<bool> claim, string key, byte[] owner)
    {
        try
        {
            if (await claim.ConfigureAwait(false))
            {
                await StateStore.ReleaseClaimAsync(key, owner, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The claim then lapses with the state (RemoteAuthenticationTimeout).
            Logger.StateStoreUnavailableAtCallback(ex);
        }
    }

    /// <summary>
    /// A callback that lost the claim, from the browser that began the sign-in: waits for the winner's outcome, as
    /// long as the winner could take, and then answers as a repeated callback does. Returns <see langword="null"/> when
    /// it won the claim meanwhile (a claim given back by a callback that spent nothing): it then spends the state.
    /// </summary>
    private async Task<HandleRequestResult?> AwaitFirstCallbackAsync(string key, byte[] owner)
    {
        var deadline = TimeProvider.GetUtcNow() + (Options.BackchannelTimeout * 2) + (Options.StateStoreTimeout * 2);
        var delay = TimeSpan.FromMilliseconds(20);
        while (TimeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(delay, TimeProvider, Context.RequestAborted).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            var (read, entry) = await ReadStateAsync(key).ConfigureAwait(false);
            if (!read)
            {
                return Fail(WeChatFailureKind.StateStoreUnavailable, StateStoreUnavailableMessage);
            }

            if (entry is null)
            {
                break;
            }

            if (entry.Outcome != WeChatStateOutcome.Pending)
            {
                return await HandleRepeatedCallbackAsync(entry).ConfigureAwait(false);
            }

            if (await TryClaimAsync(key, owner).ConfigureAwait(false) is true)
            {
                return null;
            }
        }

        Logger.StateAlreadyUsed();
        return Fail(WeChatFailureKind.StateExpired, ExpiredMessage);
    }

    /// <summary>Reads a state; <c>Read</c> is <see langword="false"/> (and logged) when the store failed or timed out.</summary>
    private async Task<(bool Read, WeChatStateEntry? Entry)> ReadStateAsync(string key)
    {
        try
        {
            return (true, await StateStore.GetAsync(key, Context.RequestAborted)
                .WaitAsync(Options.StateStoreTimeout, Context.RequestAborted).ConfigureAwait(false));
        }
        catch (Exception ex) when (!Context.RequestAborted.IsCancellationRequested)
        {
            Logger.StateStoreUnavailableAtCallback(ex);
            return (false, null);
        }
    }

    private async Task RecordOutcomeAsync(string key, WeChatStateEntry entry, HandleRequestResult? result)
    {
        var outcome = result is { Succeeded: true, Ticket: { } ticket }
            ? StateStore.IsInProcess
                ? entry with { Outcome = WeChatStateOutcome.SignedIn, OpenId = _signedInOpenId, SignedIn = TicketBytes.Serialize(ticket) }
                : entry with { Outcome = WeChatStateOutcome.SignedIn, OpenId = _signedInOpenId, Ticket = Options.SignInTicketFormat.Protect(ticket) }
            : entry with { Outcome = WeChatStateOutcome.Failed };
        try
        {
            // Not cancelled with the request: a duplicate callback from this browser is waiting for this outcome.
            await StateStore.SetOutcomeAsync(key, outcome, Options.RemoteAuthenticationTimeout, CancellationToken.None)
                .WaitAsync(Options.StateStoreTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Logger.StateCompletionNotRecorded(outcome.Outcome, ex);
        }
    }

    private bool HasCorrelationCookie(WeChatStateEntry entry)
        => entry.CorrelationId is { } id && Request.Cookies.ContainsKey(Options.CorrelationCookie.Name + id);

    private void DeleteCorrelationCookie(string correlationId)
        => Response.Cookies.Delete(Options.CorrelationCookie.Name + correlationId, Options.CorrelationCookie.Build(Context, TimeProvider.GetUtcNow()));

    private void RewriteQueryForBaseHandler(string state)
    {
        // The base handler expects the protected properties as state, and error=access_denied when the
        // user refused: WeChat then comes back with state but without code, and never sends error.
        var query = new Dictionary<string, StringValues>(Request.Query.Count + 1, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in Request.Query)
        {
            query[name] = value;
        }

        query["state"] = state;
        if (StringValues.IsNullOrEmpty(Request.Query["code"]) && StringValues.IsNullOrEmpty(Request.Query["error"]))
        {
            query["error"] = "access_denied";
        }

        // A query feature of its own, rather than Request.Query's setter, which would rebuild the raw query string that
        // nothing here reads again.
        Context.Features.Set<IQueryFeature>(new QueryFeature(new QueryCollection(query)));
    }

    /// <summary>
    /// Starts the link to WeChat's authorization page: the parameters WeChat matches strictly, in its order, up to the
    /// state; the flow appends its own optional ones, then <c>#wechat_redirect</c>.
    /// </summary>
    private protected StringBuilder StartAuthorizationUrl(string redirectUri, string scope, string state)
    {
        var endpoint = Options.AuthorizationEndpoint;
        return new StringBuilder(endpoint.Length + 256).Append(endpoint).Append(endpoint.Contains('?', StringComparison.Ordinal) ? '&' : '?')
            .Append("appid=").Append(Uri.EscapeDataString(Options.AppId))
            .Append("&redirect_uri=").Append(Uri.EscapeDataString(redirectUri))
            .Append("&response_type=code&scope=").Append(Uri.EscapeDataString(scope))
            .Append("&state=").Append(state);
    }

    private string StateKey(string state) => string.Concat(Options.StateCacheKeyPrefix, Scheme.Name, ":", state);
}
