using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>
/// Exchanges a mini-program's <c>wx.login</c> code for the user's identity through <c>sns/jscode2session</c>, exactly
/// once, and keeps the session_key on the server. A code sent again within <see cref="WeChatMiniProgramOptions.RepeatedCodeWindow"/>
/// (the mini-program retried after a network error) gets the first exchange's outcome, in this instance or another
/// one of the farm, instead of WeChat's "code been used".
/// </summary>
/// <remarks>
/// A code works once and lives 5 minutes
/// (https://developers.weixin.qq.com/miniprogram/dev/server/API/user-login/api_code2session), so it is never retried:
/// WeChat's answer to the first call is the answer.
/// </remarks>
internal sealed class WeChatCodeExchange
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, Task<Outcome>> _inFlight = new(StringComparer.Ordinal);
    private readonly WeChatMiniProgramOptions _options;
    private readonly HttpClient _backchannel;
    private readonly IWeChatAtomicStore _atomicStore;
    private readonly IDistributedCache _cache;
    private readonly WeChatCacheProtector _protector;
    private readonly WeChatSessionKeyStore _sessionKeys;
    private readonly ILogger _logger;
    private readonly WeChatApiEndpoint _endpoint;
    private readonly string _keyPrefix;

    public WeChatCodeExchange(WeChatMiniProgramOptions options, HttpClient backchannel, IWeChatAtomicStore atomicStore, IDistributedCache cache,
        IDataProtectionProvider dataProtection, WeChatSessionKeyStore sessionKeys, ILogger logger)
    {
        _options = options;
        _backchannel = backchannel;
        _atomicStore = atomicStore;
        _cache = cache;
        _protector = new WeChatCacheProtector(cache, dataProtection.CreateProtector("AspNetCore.Authentication.WeChat.MiniProgram.Code", options.AppId));
        _sessionKeys = sessionKeys;
        _logger = logger;
        _keyPrefix = options.CacheKeyPrefix + options.AppId + ":code:";
        _endpoint = new WeChatApiEndpoint("WeChat's code2Session endpoint", options.SessionEndpoint);
    }

    /// <summary>What the exchange of a code came to: the identity, or the failure.</summary>
    internal sealed record Outcome(string? OpenId, string? UnionId, WeChatFailureKind? Kind = null, int? ErrorCode = null, string? ErrorMessage = null, string? Message = null, string? Api = null)
    {
        public WeChatException ToException() => Api is null
            ? new WeChatException(Message ?? "The mini-program sign-in failed.", Kind ?? WeChatFailureKind.WeChatError, ErrorCode, ErrorMessage)
            : new WeChatApiException(Message ?? "The mini-program sign-in failed.", Api, Kind ?? WeChatFailureKind.WeChatError, ErrorCode, ErrorMessage);
    }

    /// <summary>Exchanges <paramref name="code"/>, or returns the outcome of its exchange moments ago.</summary>
    /// <returns>The outcome, and whether it is the outcome of an earlier request with the same code.</returns>
    public async Task<(Outcome Outcome, bool Repeated)> ExchangeAsync(string code)
    {
        if (_options.RepeatedCodeWindow <= TimeSpan.Zero)
        {
            return (await ExchangeWithWeChatAsync(code).ConfigureAwait(false), false);
        }

        var key = _keyPrefix + Hash(code);
        var mine = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _inFlight.GetOrAdd(key, mine.Task);
        if (running != mine.Task)
        {
            return (await RepeatAsync(key, await running.ConfigureAwait(false)).ConfigureAwait(false), true);
        }

        try
        {
            Outcome outcome;
            var repeated = false;
            // The claim and the outcome live under keys of their own: a farm's atomic store and cache may be one Redis.
            var claim = RandomNumberGenerator.GetBytes(16);
            if (await ClaimAsync(key + ":claim", claim).ConfigureAwait(false))
            {
                outcome = await ExchangeWithWeChatAsync(code).ConfigureAwait(false);
                if (outcome.Kind == WeChatFailureKind.StateStoreUnavailable)
                {
                    // Nothing could be remembered: free the code's claim, so that a retry asks WeChat at once (and hears
                    // that the code was used) instead of waiting for an outcome that never comes.
                    await ReleaseAsync(key + ":claim", claim).ConfigureAwait(false);
                }
                else
                {
                    await RememberAsync(key + ":outcome", outcome).ConfigureAwait(false);
                }
            }
            else
            {
                repeated = true;
                outcome = await RepeatAsync(key, await RecallAsync(key + ":outcome").ConfigureAwait(false)
                    ?? new Outcome(null, null, WeChatFailureKind.InvalidCode,
                        Message: "The mini-program's code was already exchanged, and the outcome of that exchange is not known here (it is still running elsewhere, or was not recorded); the mini-program must call wx.login again.")).ConfigureAwait(false);
            }

            mine.SetResult(outcome);
            return (outcome, repeated);
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
            throw;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Task<Outcome>>(key, mine.Task));
        }
    }

    /// <summary>
    /// The outcome for a repeat of a code: a sign-in only while the code has repeats left
    /// (<see cref="WeChatMiniProgramDefaults.MaxRepeatsPerCode"/>), counted across the farm; a failure as often as asked.
    /// </summary>
    private async Task<Outcome> RepeatAsync(string key, Outcome outcome)
    {
        if (outcome.OpenId is null)
        {
            return outcome;
        }

        try
        {
            for (var repeat = 1; repeat <= WeChatMiniProgramDefaults.MaxRepeatsPerCode; repeat++)
            {
                if (await _atomicStore.TryAddAsync(key + ":repeat:" + repeat.ToString(System.Globalization.CultureInfo.InvariantCulture), new byte[] { 1 }, _options.RepeatedCodeWindow, CancellationToken.None).ConfigureAwait(false))
                {
                    return outcome;
                }
            }
        }
        catch (Exception ex)
        {
            _logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
        }

        return new Outcome(null, null, WeChatFailureKind.InvalidCode,
            Message: $"The mini-program's code was already exchanged and repeated {WeChatMiniProgramDefaults.MaxRepeatsPerCode} times (or its repeats cannot be counted); the mini-program must call wx.login again.");
    }

    private async Task ReleaseAsync(string key, byte[] claim)
    {
        try
        {
            await _atomicStore.TryRemoveAsync(key, claim, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
        }
    }

    private async Task<bool> ClaimAsync(string key, byte[] claim)
    {
        try
        {
            return await _atomicStore.TryAddAsync(key, claim, _options.RepeatedCodeWindow, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // WeChat itself keeps the code single-use; without the store a retry only loses its repeat.
            _logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
            return true;
        }
    }

    private async Task RememberAsync(string key, Outcome outcome)
    {
        try
        {
            // Bound to its key: an outcome copied to another code's key does not unprotect there.
            var bytes = _protector.Protect(key, JsonSerializer.SerializeToUtf8Bytes(outcome, WeChatMiniProgramJsonContext.Default.Outcome));
            await _cache.SetAsync(key, bytes, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.RepeatedCodeWindow }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
        }
    }

    private async Task<Outcome?> RecallAsync(string key)
    {
        // Another instance holds the claim and is talking to WeChat: its outcome appears once WeChat answered (at most
        // the backchannel timeout) and the session_key was stored (its lease, the cache). Bounded polling, in real time.
        var attempts = (int)Math.Ceiling((_options.BackchannelTimeout + WeChatMiniProgramOptions.AfterExchangeAllowance) / PollInterval);
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            byte[]? bytes;
            try
            {
                bytes = await _cache.GetAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.MiniProgramCodeStoreUnavailable(ex.GetType().Name);
                return null;
            }

            if (bytes is not null)
            {
                try
                {
                    return JsonSerializer.Deserialize(_protector.Unprotect(key, bytes), WeChatMiniProgramJsonContext.Default.Outcome);
                }
                catch (Exception ex) when (ex is CryptographicException or JsonException)
                {
                    return null;
                }
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }

        return null;
    }

    private async Task<Outcome> ExchangeWithWeChatAsync(string code)
    {
        // Not the request's cancellation: the mini-program that gave up on this request retries with the same code, and
        // must find the exchange finished rather than abandoned half-way. The backchannel timeout bounds it.
        string openId, sessionKey;
        string? unionId;
        try
        {
            using var answer = await new WeChatApiClient(_backchannel, _options.BackchannelTimeout, _logger).GetAsync(
                _endpoint,
                [("appid", _options.AppId), ("secret", _options.AppSecret), ("js_code", code), ("grant_type", "authorization_code")],
                // Checked inside the client, which logs an unusable answer once, like its other failures.
                check: (answer, _) => Read(answer),
                isExpected: IsTheClients,
                cancellationToken: CancellationToken.None).ConfigureAwait(false);
            (openId, unionId, sessionKey) = Read(answer.RootElement);
        }
        catch (WeChatApiException ex)
        {
            return new Outcome(null, null, ex.Kind, ex.ErrorCode, ex.ErrorMessage, ex.Message, ex.Api);
        }

        try
        {
            await _sessionKeys.StoreAsync(openId, sessionKey, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.MiniProgramSessionKeyStoreUnavailable(ex.GetType().Name);
            return new Outcome(null, null, WeChatFailureKind.StateStoreUnavailable,
                Message: "The mini-program user's session_key could not be stored in the app's IDistributedCache, so the sign-in failed. Check the cache (e.g. Redis).");
        }

        return new Outcome(openId, unionId);
    }

    private (string OpenId, string? UnionId, string SessionKey) Read(JsonElement answer)
    {
        var openId = WeChatTokenIdentity.ReadId(answer, "openid", _endpoint)
            ?? throw _endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without an openid; the sign-in was stopped");
        var unionId = WeChatTokenIdentity.ReadId(answer, "unionid", _endpoint);
        var sessionKey = answer.TryGetProperty("session_key", out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (sessionKey is null || WeChatOpenData.Key(sessionKey) is null)
        {
            throw _endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without a session_key of 24 base64 characters; the sign-in was stopped");
        }

        return (openId, unionId, sessionKey);
    }

    // The errcodes a mini-program's own request causes (a stale or reused code, a user over WeChat's per-user limit, a
    // high-risk user): the sign-in endpoint logs them once at Information, not as a warning about the app.
    internal static bool IsTheClients(int errorCode)
        => errorCode is WeChatErrorCodes.InvalidCode or WeChatErrorCodes.CodeUsed or WeChatErrorCodes.MinuteQuotaReached or WeChatErrorCodes.UserBlocked;

    private static string Hash(string code) => System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
