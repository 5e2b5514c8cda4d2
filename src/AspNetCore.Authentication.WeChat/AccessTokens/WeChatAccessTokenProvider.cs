using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Authentication.WeChat.AccessTokens;

/// <summary>
/// One app's global access token: cached in process, shared through the app's <see cref="IDistributedCache"/> in a
/// web farm, refreshed by one caller at a time (across the farm, under a lease on the shared
/// <see cref="IWeChatAtomicStore"/>), ahead of its expiry, and never in a storm.
/// </summary>
internal sealed class WeChatAccessTokenProvider : IWeChatAccessTokenProvider, IWeChatAccessTokenOperator
{
    // How long a read or write of the shared cache or lease may take: a slow Redis must not hold up a token.
    private static readonly TimeSpan SharedStoreTimeout = TimeSpan.FromSeconds(2);

    // WeChat's -1 (busy) is worth a couple more tries, quickly; any other failure is not.
    private static readonly TimeSpan[] BusyRetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    private static readonly TimeSpan ForceInterval = TimeSpan.FromSeconds(30);
    private const int ForcePerDay = 20;

    private readonly WeChatAccessTokenOptions _options;
    private readonly TimeProvider _time;
    private readonly WeChatApiClient _api;
    private readonly WeChatApiEndpoint _endpoint;
    private readonly IDistributedCache? _sharedCache;
    private readonly IWeChatAtomicStore? _sharedLease;
    private readonly IDataProtector _protector;
    private readonly ILogger _logger;
    private readonly WeChatAccessTokenMetrics _metrics;
    private readonly string _cacheKey;
    private readonly string _leaseKey;
    private readonly Lock _gate = new();

    private WeChatAccessToken? _current;
    private volatile string? _rejected;
    private volatile Failure? _failure;
    private Task<WeChatAccessToken?>? _refreshing;
    private DateTimeOffset _nextRejectionRefresh = DateTimeOffset.MinValue;
    private long _generation;
    private readonly List<DateTimeOffset> _forcedAt = [];

    public WeChatAccessTokenProvider(
        string name,
        WeChatAccessTokenOptions options,
        HttpClient backchannel,
        TimeProvider time,
        IDistributedCache? sharedCache,
        IWeChatAtomicStore? sharedLease,
        IDataProtectionProvider dataProtection,
        ILoggerFactory loggerFactory,
        WeChatAccessTokenMetrics metrics)
    {
        Name = name;
        _options = options;
        _time = time;
        _sharedCache = sharedCache;
        _sharedLease = sharedLease is { IsShared: true } && sharedCache is not null ? sharedLease : null;
        _protector = dataProtection.CreateProtector(typeof(WeChatAccessTokenProvider).FullName!, options.AppId);
        _logger = loggerFactory.CreateLogger("AspNetCore.Authentication.WeChat.AccessTokens");
        _metrics = metrics;
        // The API client's own failure lines would repeat the provider's, which also says what happens next.
        _api = new WeChatApiClient(backchannel, options.BackchannelTimeout, NullLogger.Instance);
        _endpoint = options.Mode == WeChatAccessTokenMode.Stable
            ? new WeChatApiEndpoint("WeChat's stable token endpoint", options.StableTokenEndpoint, TokenEndpointErrorCodes)
            : new WeChatApiEndpoint("WeChat's access token endpoint", options.TokenEndpoint, TokenEndpointErrorCodes);
        var scope = string.Concat(options.CacheKeyPrefix, options.Mode.ToString(), ":", options.AppId);
        _cacheKey = scope;
        _leaseKey = scope + ":lease";
    }

    public string Name { get; }

    /// <summary>
    /// Whether a call to <paramref name="uri"/> may carry the token: WeChat's API host over https, or the host of the
    /// provider's own token endpoint (an emulator, or a proxy the app set up).
    /// </summary>
    public bool MayReceiveToken(Uri uri)
        => uri.IsAbsoluteUri
            && ((uri.Scheme == Uri.UriSchemeHttps && string.Equals(uri.IdnHost, "api.weixin.qq.com", StringComparison.OrdinalIgnoreCase) && uri.IsDefaultPort)
                || SameOrigin(uri, _options.StableTokenEndpoint)
                || SameOrigin(uri, _options.TokenEndpoint));

    private static bool SameOrigin(Uri uri, string endpoint)
        => Uri.TryCreate(endpoint, UriKind.Absolute, out var origin)
            && Uri.Compare(uri, origin, UriComponents.SchemeAndServer | UriComponents.Port, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    public ValueTask<string> GetAsync(CancellationToken cancellationToken = default)
    {
        var token = Volatile.Read(ref _current);
        if (token is not null && _time.GetUtcNow() < token.RefreshAt)
        {
            _metrics.Hit(Name);
            return new ValueTask<string>(token.Value);
        }

        return GetSlowAsync(token, cancellationToken);
    }

    public ValueTask InvalidateAsync(string rejectedToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejectedToken);

        // Compare and invalidate: only the rejected token goes. A storm of rejections of one token clears it once, and a
        // rejection of an older token than the one now held clears nothing. The shared cache is not touched: the next
        // refresh treats a shared token equal to the rejected one as absent, so no instance can delete a newer one.
        var current = Volatile.Read(ref _current);
        if (current is null || !string.Equals(current.Value, rejectedToken, StringComparison.Ordinal))
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            // An API that rejects every token (another system on this AppID in classic mode, or a 40001 that is not about
            // the token) must not cost a token call per failing call: at most one new token per RetryInterval. Until
            // then the rejected token stays, and the rejection is passed on.
            var now = _time.GetUtcNow();
            if (now < _nextRejectionRefresh)
            {
                return ValueTask.CompletedTask;
            }

            // Marked before it is dropped, so that no refresh adopts it from the shared cache in between.
            _rejected = rejectedToken;
            if (Interlocked.CompareExchange(ref _current, null, current) != current)
            {
                return ValueTask.CompletedTask;
            }

            _nextRejectionRefresh = now + _options.RetryInterval;
        }

        _metrics.Invalidated(Name);
        _logger.AccessTokenInvalidated(Name);
        return ValueTask.CompletedTask;
    }

    public async Task ForceRefreshAsync(CancellationToken cancellationToken = default)
    {
        // WeChat's limits on force_refresh (20 a day, 30 s apart, "否则不会刷新": a call within 30 s silently returns
        // the current token), kept here too, so that an operator learns of them instead of believing a leak fixed.
        // https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var today = ChinaDay(now);
            _forcedAt.RemoveAll(at => ChinaDay(at) != today);
            if (_forcedAt.Count > 0 && now - _forcedAt[^1] < ForceInterval)
            {
                throw _endpoint.Failure(WeChatFailureKind.RateLimited, string.Create(CultureInfo.InvariantCulture,
                    $"was not called: the token of '{Name}' was force-refreshed less than 30 seconds ago, and WeChat ignores a force refresh within 30 seconds of the last"));
            }

            if (_forcedAt.Count >= ForcePerDay)
            {
                throw _endpoint.Failure(WeChatFailureKind.RateLimited, string.Create(CultureInfo.InvariantCulture,
                    $"was not called: the token of '{Name}' was force-refreshed {ForcePerDay} times today (China Standard Time), WeChat's daily limit"));
            }

            _forcedAt.Add(now);
        }

        var generation = Interlocked.Increment(ref _generation);
        var token = await FetchAsync(force: true, cancellationToken).ConfigureAwait(false);
        Install(token, generation);
        _failure = null;
        _rejected = null;
        await WriteSharedAsync(token).ConfigureAwait(false);
        _logger.AccessTokenForceRefreshed(Name);
    }

    private static DateOnly ChinaDay(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(TimeSpan.FromHours(8)).DateTime);

    private static (WeChatFailureKind, string)? TokenEndpointErrorCodes(int errorCode) => errorCode switch
    {
        // https://developers.weixin.qq.com/doc/service/en/api/base/api_getaccesstoken: on a token endpoint, 40001 is a
        // wrong AppSecret, not a stale token; refreshing would only repeat it.
        WeChatErrorCodes.InvalidCredential => (WeChatFailureKind.ConfigurationError, "on a token endpoint this is a wrong AppSecret, not a stale token; check the 'AppSecret' setting"),
        WeChatErrorCodes.DailyQuotaReached => (WeChatFailureKind.RateLimited, "the daily quota of token calls is used up (2,000 a day for cgi-bin/token); the admin console can reset it (clear_quota)"),
        _ => null,
    };

    private async ValueTask<string> GetSlowAsync(WeChatAccessToken? token, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (token is not null && now < token.UsableUntil)
        {
            // Refresh ahead: the still-valid token goes out while one refresh runs.
            if (_failure is not { } pending || now >= pending.RetryAt)
            {
                _ = Refresh();
            }

            _metrics.Hit(Name);
            return token.Value;
        }

        if (_failure is { } failure && now < failure.RetryAt)
        {
            throw failure.Rethrow();
        }

        Task<WeChatAccessToken?> refresh = Refresh();
        WeChatAccessToken? fresh;
        try
        {
            fresh = await refresh.WaitAsync(_options.WaitTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw _endpoint.Failure(WeChatFailureKind.WeChatTimeout, string.Create(CultureInfo.InvariantCulture,
                $"gave no access token for '{Name}' within {_options.WaitTimeout.TotalSeconds:0.###} seconds (WaitTimeout)"));
        }

        return fresh?.Value ?? throw (_failure ?? throw new InvalidOperationException("A refresh ended with neither a token nor a failure.")).Rethrow();
    }

    /// <summary>The refresh in flight, if any, for tests that step a fake clock.</summary>
    internal Task? PendingRefresh
    {
        get
        {
            lock (_gate)
            {
                return _refreshing;
            }
        }
    }

    /// <summary>The one refresh in flight in this process, started if none is and none has just ended.</summary>
    private Task<WeChatAccessToken?> Refresh()
    {
        lock (_gate)
        {
            if (_refreshing is { } running)
            {
                return running;
            }

            // The caller looked before the last refresh ended: it takes that refresh's token, or its failure until
            // RetryInterval is up, instead of calling WeChat again.
            var now = _time.GetUtcNow();
            if (Volatile.Read(ref _current) is { } current && now < current.RefreshAt)
            {
                return Task.FromResult<WeChatAccessToken?>(current);
            }

            if (_failure is { } failure && now < failure.RetryAt)
            {
                return Task.FromResult<WeChatAccessToken?>(null);
            }

            return _refreshing = Task.Run(RefreshOnceAsync);
        }
    }

    private async Task<WeChatAccessToken?> RefreshOnceAsync()
    {
        try
        {
            var generation = Interlocked.Increment(ref _generation);
            var token = await RefreshCoreAsync(generation).ConfigureAwait(false);
            _failure = null;
            // A token asked for later (an operator's force refresh, while this one was under way) is not replaced.
            return Install(token, generation) ? token : Volatile.Read(ref _current) ?? token;
        }
        catch (Exception ex) when (ex is WeChatApiException or not OperationCanceledException)
        {
            // Anything else is a bug of a handler the app put in the backchannel: the callers still get a failure with a
            // kind, and the interval still holds.
            var failure = ex as WeChatApiException
                ?? _endpoint.Failure(WeChatFailureKind.WeChatUnavailable, $"could not be called ({ex.GetType().Name})", ex);
            var retryAt = _time.GetUtcNow() + _options.RetryInterval;
            _failure = new Failure(failure, retryAt);
            _metrics.Failed(Name, failure);
            _logger.AccessTokenFetchFailed(Name, failure.Message, _options.RetryInterval.TotalSeconds);
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }

    private async Task<WeChatAccessToken> RefreshCoreAsync(long generation)
    {
        // Another instance may have refreshed already.
        if (await ReadSharedAsync().ConfigureAwait(false) is { } shared && IsFresh(shared))
        {
            return Adopt(shared);
        }

        // One refresher per AppID across the farm: a classic token's refresh invalidates everyone else's (after 5
        // minutes), and even a stable token's saves calls. Taken with SET NX PX; released only by its owner.
        var owner = RandomNumberGenerator.GetBytes(16);
        var lease = await TryTakeLeaseAsync(owner).ConfigureAwait(false);
        if (lease == Lease.HeldElsewhere && await AwaitOthersTokenAsync().ConfigureAwait(false) is { } others)
        {
            return Adopt(others);
        }

        try
        {
            // Checked again under the lease: the previous holder may have just written a token.
            if (lease == Lease.Taken && await ReadSharedAsync().ConfigureAwait(false) is { } again && IsFresh(again))
            {
                return Adopt(again);
            }

            var token = await FetchAsync(force: false, CancellationToken.None).ConfigureAwait(false);
            if (Volatile.Read(ref _current) is not { } newer || newer.Generation <= generation)
            {
                await WriteSharedAsync(token).ConfigureAwait(false);
            }

            return token;
        }
        finally
        {
            if (lease == Lease.Taken)
            {
                await ReleaseLeaseAsync(owner).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="token"/> the current one unless a token asked for later (a higher
    /// <paramref name="generation"/>: times can be equal, the order of the requests cannot) already is.
    /// </summary>
    private bool Install(WeChatAccessToken token, long generation)
    {
        token.Generation = generation;
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is not null && current.Generation > generation)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, token, current) == current)
            {
                return true;
            }
        }
    }

    private bool IsFresh(WeChatAccessToken token)
        => _time.GetUtcNow() < token.RefreshAt && !string.Equals(token.Value, _rejected, StringComparison.Ordinal);

    private WeChatAccessToken Adopt(WeChatAccessToken token)
    {
        _logger.AccessTokenAdopted(Name);
        return token;
    }

    /// <summary>While another instance holds the lease, waits for its token in the shared cache, for as long as the lease.</summary>
    private async Task<WeChatAccessToken?> AwaitOthersTokenAsync()
    {
        var deadline = _time.GetUtcNow() + _options.LockLease;
        var delay = TimeSpan.FromMilliseconds(50);
        while (_time.GetUtcNow() < deadline)
        {
            await Task.Delay(delay, _time).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            if (await ReadSharedAsync().ConfigureAwait(false) is { } shared && IsFresh(shared))
            {
                return shared;
            }
        }

        // The holder died or is stuck: fetch without it (in classic mode the later token wins in the shared cache, and
        // an instance whose token then dies gets 40001, invalidates it and adopts the shared one).
        return null;
    }

    private async Task<WeChatAccessToken> FetchAsync(bool force, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var fetchedAt = _time.GetUtcNow();
                using var answer = _options.Mode == WeChatAccessTokenMode.Stable
                    ? await _api.PostJsonAsync(_endpoint, [], StableTokenRequest(force), check: CheckAnswer, cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await _api.GetAsync(_endpoint, [("grant_type", "client_credential"), ("appid", _options.AppId), ("secret", _options.AppSecret)], check: CheckAnswer, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = answer.RootElement;
                var token = WeChatAccessToken.Create(root.GetProperty("access_token").GetString()!, fetchedAt, TimeSpan.FromSeconds(root.GetProperty("expires_in").GetInt32()), _options.RefreshMargin);
                _metrics.Fetched(Name, _options.Mode);
                _logger.AccessTokenFetched(Name, _options.Mode, (int)(token.ExpiresAt - fetchedAt).TotalSeconds);
                return token;
            }
            catch (WeChatApiException ex) when (ex.Kind == WeChatFailureKind.WeChatBusy && attempt < BusyRetryDelays.Length)
            {
                await Task.Delay(BusyRetryDelays[attempt], _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private byte[] StableTokenRequest(bool force)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("grant_type", "client_credential");
            writer.WriteString("appid", _options.AppId);
            writer.WriteString("secret", _options.AppSecret);
            // Normal mode returns the token every caller gets while it is valid; force mode (an operator's explicit act,
            // 20 a day, 30 s apart) invalidates it everywhere.
            writer.WriteBoolean("force_refresh", force);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void CheckAnswer(JsonElement answer, WeChatApiEndpoint endpoint)
    {
        if (!answer.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String
            || token.GetString() is not { Length: > 0 and <= 2048 } value || !UpstreamText.IsPrintableAscii(value))
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without an access_token of at most 2,048 printable characters");
        }

        if (!answer.TryGetProperty("expires_in", out var expiresIn) || expiresIn.ValueKind != JsonValueKind.Number
            || !expiresIn.TryGetInt32(out var seconds) || seconds is < 60 or > 86_400)
        {
            throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without an expires_in of 60 to 86,400 seconds");
        }
    }

    private async Task<WeChatAccessToken?> ReadSharedAsync()
    {
        if (_sharedCache is null)
        {
            return null;
        }

        try
        {
            var bytes = await _sharedCache.GetAsync(_cacheKey).WaitAsync(SharedStoreTimeout, _time).ConfigureAwait(false);
            return bytes is null ? null : WeChatAccessToken.FromShared(_protector.Unprotect(bytes), _options.RefreshMargin);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Redis down, or a key ring that does not match: the in-process token and a fetch of its own still work.
            _logger.SharedTokenStoreUnavailable(Name, ex);
            return null;
        }
    }

    private async Task WriteSharedAsync(WeChatAccessToken token)
    {
        if (_sharedCache is null)
        {
            return;
        }

        try
        {
            await _sharedCache.SetAsync(_cacheKey, _protector.Protect(token.ToShared()), new DistributedCacheEntryOptions { AbsoluteExpiration = token.ExpiresAt })
                .WaitAsync(SharedStoreTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.SharedTokenStoreUnavailable(Name, ex);
        }
    }

    private async Task<Lease> TryTakeLeaseAsync(byte[] owner)
    {
        if (_sharedLease is null)
        {
            return Lease.NotShared;
        }

        try
        {
            return await _sharedLease.TryAddAsync(_leaseKey, owner, _options.LockLease).WaitAsync(SharedStoreTimeout, _time).ConfigureAwait(false)
                ? Lease.Taken
                : Lease.HeldElsewhere;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.SharedTokenStoreUnavailable(Name, ex);
            return Lease.NotShared;
        }
    }

    private async Task ReleaseLeaseAsync(byte[] owner)
    {
        try
        {
            await _sharedLease!.TryRemoveAsync(_leaseKey, owner).WaitAsync(SharedStoreTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // It runs out by itself after LockLease.
            _logger.SharedTokenStoreUnavailable(Name, ex);
        }
    }

    private enum Lease
    {
        NotShared,
        Taken,
        HeldElsewhere,
    }

    /// <summary>The last failed refresh, and when the next may try again.</summary>
    private sealed class Failure(WeChatApiException exception, DateTimeOffset retryAt)
    {
        public DateTimeOffset RetryAt { get; } = retryAt;

        // Each caller gets an exception of its own (one instance thrown from many threads would mix their stack traces).
        public WeChatApiException Rethrow()
            => new(exception.Message, exception.Api ?? "", exception.Kind, exception.ErrorCode, exception.ErrorMessage, exception);
    }
}

/// <summary>A global access token and its times.</summary>
internal sealed class WeChatAccessToken(string value, DateTimeOffset fetchedAt, DateTimeOffset expiresAt, TimeSpan refreshMargin)
{
    // A token is handed out only while it has this much life left, for the clock skew and the call's own transit.
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    public string Value { get; } = value;

    public DateTimeOffset FetchedAt { get; } = fetchedAt;

    /// <summary>Gets or sets (once, before the token is handed out) the order in which this process asked for it.</summary>
    public long Generation { get; set; }

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>Gets until when the token is handed out.</summary>
    public DateTimeOffset UsableUntil { get; } = expiresAt - Skew;

    /// <summary>
    /// Gets from when a refresh runs ahead: the margin before expiry, or half the token's life when that is shorter
    /// (a stable token can come with as little as 300 s left).
    /// </summary>
    /// <remarks>Never later than <see cref="UsableUntil"/>, whatever the margin.</remarks>
    public DateTimeOffset RefreshAt { get; } = Min(expiresAt - TimeSpan.FromTicks(Math.Min(refreshMargin.Ticks, (expiresAt - fetchedAt).Ticks / 2)), expiresAt - Skew);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static WeChatAccessToken Create(string value, DateTimeOffset fetchedAt, TimeSpan expiresIn, TimeSpan refreshMargin)
        => new(value, fetchedAt, fetchedAt + expiresIn, refreshMargin);

    public byte[] ToShared()
        => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["v"] = Value,
            ["f"] = FetchedAt.ToUnixTimeMilliseconds(),
            ["e"] = ExpiresAt.ToUnixTimeMilliseconds(),
        });

    public static WeChatAccessToken? FromShared(byte[] bytes, TimeSpan refreshMargin)
    {
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        return root.TryGetProperty("v", out var value) && value.GetString() is { Length: > 0 } token
            && root.TryGetProperty("f", out var fetched) && fetched.TryGetInt64(out var fetchedMs)
            && root.TryGetProperty("e", out var expires) && expires.TryGetInt64(out var expiresMs)
            ? new WeChatAccessToken(token, DateTimeOffset.FromUnixTimeMilliseconds(fetchedMs), DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), refreshMargin)
            : null;
    }
}
