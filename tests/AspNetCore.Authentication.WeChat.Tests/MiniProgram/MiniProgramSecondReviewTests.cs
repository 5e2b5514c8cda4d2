using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>The attacks of the second security review of mini-program sign-in, kept as tests of what they asked for.</summary>
public class MiniProgramSecondReviewTests(ITestOutputHelper output)
{
    private static readonly FakeMiniProgramUser User = new("oMpProbe2_0123456789abcdefghi", "uMpProbe2_0123456789abcdefghi");

    private static Task<HttpResponseMessage> RefreshAsync(MiniProgramTestHost host, string refreshToken)
        => host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken });

    /// <summary>An atomic store around the in-process one that can slow or fail chosen operations.</summary>
    internal sealed class ProbeStore(IWeChatAtomicStore inner) : IWeChatAtomicStore
    {
        public Func<string, Task>? BeforeAdd { get; set; }
        public Func<string, Task>? BeforeRemove { get; set; }
        public Func<string, bool>? FailAdd { get; set; }
        public Func<string, bool>? FailRemove { get; set; }
        public ConcurrentQueue<string> Adds { get; } = new();

        public bool IsShared => true;

        public async Task<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            Adds.Enqueue(key);
            if (BeforeAdd is not null) await BeforeAdd(key);
            if (FailAdd?.Invoke(key) == true) throw new TimeoutException("store down (add)");
            return await inner.TryAddAsync(key, value, lifetime, cancellationToken);
        }

        public async Task<bool> TryRemoveAsync(string key, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default)
        {
            if (BeforeRemove is not null) await BeforeRemove(key);
            if (FailRemove?.Invoke(key) == true) throw new TimeoutException("store down (remove)");
            return await inner.TryRemoveAsync(key, expected, cancellationToken);
        }
    }

    // ---------- 1. refresh ----------

    [Fact]
    public async Task R1_concurrent_refreshes_with_a_slow_store_exactly_one_wins()
    {
        var store = new ProbeStore(new MemoryWeChatAtomicStore(TimeProvider.System))
        {
            BeforeAdd = async k => { if (k.Contains(":refresh:", StringComparison.Ordinal)) await Task.Delay(50); },
            BeforeRemove = async k => { if (k.Contains(":refresh:", StringComparison.Ordinal)) await Task.Delay(Random.Shared.Next(0, 30)); },
        };
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IWeChatAtomicStore>(store));
        var tokens = await host.SignInAsync(User);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => RefreshAsync(host, tokens.RefreshToken)));
        output.WriteLine($"ok={responses.Count(r => r.StatusCode == HttpStatusCode.OK)}");
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));

        // and the winner's new token works exactly once too, concurrently
        var winner = (await responses.Single(r => r.StatusCode == HttpStatusCode.OK).Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        var second = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => RefreshAsync(host, winner.RefreshToken)));
        Assert.Equal(1, second.Count(r => r.StatusCode == HttpStatusCode.OK));
    }

    [Fact]
    public async Task R2_a_store_failure_between_remove_and_add_ends_the_session()
    {
        var store = new ProbeStore(new MemoryWeChatAtomicStore(TimeProvider.System));
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IWeChatAtomicStore>(store));
        var tokens = await host.SignInAsync(User);
        store.FailAdd = k => k.Contains(":refresh:", StringComparison.Ordinal);

        var first = await RefreshAsync(host, tokens.RefreshToken);
        output.WriteLine($"during outage: {(int)first.StatusCode} retry-after={first.Headers.RetryAfter} {await first.Content.ReadAsStringAsync()}");
        store.FailAdd = null;
        var retry = await RefreshAsync(host, tokens.RefreshToken);
        output.WriteLine($"after outage: {(int)retry.StatusCode} {await retry.Content.ReadAsStringAsync()}");
        // The token was spent and its successor not recorded: the session is over, and the client is told so (401),
        // not to retry (503) what can never work.
        await MiniProgramTestHost.ProblemAsync(first, 401, WeChatProblems.InvalidRefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, retry.StatusCode);
    }

    [Fact]
    public async Task R3_OnRefreshing_injecting_a_session_claim_or_other_appid_gains_nothing()
    {
        string? victimSession = null;
        await using var host = await MiniProgramTestHost.StartAsync(o =>
        {
            o.Events.OnRefreshing = context =>
            {
                // an app (or a bug) puts a forged session claim into a second identity and the first one
                var id = new ClaimsIdentity([new Claim(WeChatClaimTypes.MiniProgramSession, victimSession!), new Claim(WeChatClaimTypes.MiniProgramSession, "AAAA.999")], "x");
                context.Principal.AddIdentity(id);
                ((ClaimsIdentity)context.Principal.Identity!).AddClaim(new Claim(WeChatClaimTypes.MiniProgramSession, "BBBB.7"));
                return Task.CompletedTask;
            };
        });
        var victim = await host.SignInAsync(new FakeMiniProgramUser("oVictim_0123456789abcdefghijk"));
        victimSession = (await host.MeAsync(victim.AccessToken))[WeChatClaimTypes.MiniProgramSession];
        var attacker = await host.SignInAsync(User);

        var refreshed = await RefreshAsync(host, attacker.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var tokens = (await refreshed.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        var me = await host.MeAsync(tokens.AccessToken);
        output.WriteLine(string.Join("\n", me.Select(kv => kv.Key + " = " + kv.Value)));
        Assert.DoesNotContain(",", me[WeChatClaimTypes.MiniProgramSession], StringComparison.Ordinal);
        Assert.EndsWith(".1", me[WeChatClaimTypes.MiniProgramSession], StringComparison.Ordinal);
        // victim's session still usable
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(host, victim.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task R4_OnSigningIn_replacing_the_principal_with_no_identity_is_a_clean_failure()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            context.Principal = new ClaimsPrincipal();
            return Task.CompletedTask;
        });
        HttpResponseMessage? response = null;
        Exception? thrown = null;
        try
        {
            response = await host.SignInAsync(host.Fake.Login(User));
        }
        catch (Exception ex)
        {
            thrown = ex;
        }

        output.WriteLine($"{(int?)response?.StatusCode} {thrown?.GetType().Name}: {thrown?.Message}");
        output.WriteLine(response is null ? "" : await response.Content.ReadAsStringAsync());
        Assert.Null(thrown);
    }

    [Theory]
    [InlineData("01", true)]   // parses to 1 == record: same bytes
    [InlineData("+1", false)]
    [InlineData("-1", false)]
    [InlineData("1.2", false)]
    [InlineData(" 1", false)]
    [InlineData("99999999999999999999", false)]
    [InlineData("9223372036854775807", false)]
    public async Task R5_generation_parsing(string generation, bool ok)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var first = await RefreshAsync(host, tokens.RefreshToken);
        var t1 = (await first.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        var bearer = host.App.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(WeChatMiniProgramDefaults.BearerScheme);
        var ticket = bearer.RefreshTokenProtector.Unprotect(t1.RefreshToken)!;
        var identity = (ClaimsIdentity)ticket.Principal.Identity!;
        var claim = identity.FindFirst(WeChatClaimTypes.MiniProgramSession)!;
        var id = claim.Value.Split('.')[0];
        identity.RemoveClaim(claim);
        identity.AddClaim(new Claim(WeChatClaimTypes.MiniProgramSession, id + "." + generation));
        var forged = bearer.RefreshTokenProtector.Protect(ticket);
        var response = await RefreshAsync(host, forged);
        output.WriteLine($"{generation}: {(int)response.StatusCode}");
        Assert.Equal(ok, response.StatusCode == HttpStatusCode.OK);
    }

    // ---------- 2. repeats in a farm ----------

    private static Action<IServiceCollection> Shared(IWeChatAtomicStore store, IDistributedCache cache, IDataProtectionProvider dp) => s =>
    {
        s.AddSingleton(store);
        s.AddSingleton(cache);
        s.AddSingleton(dp);
    };

    [Fact]
    public async Task F1_two_hosts_one_code_many_concurrent_requests_at_most_1_plus_3_sign_ins_and_one_WeChat_call()
    {
        var fake = new FakeMiniProgramWeChat { SessionDelay = TimeSpan.FromMilliseconds(300) };
        var store = new MemoryWeChatAtomicStore(TimeProvider.System);
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var dp = new EphemeralDataProtectionProvider();
        await using var a = await MiniProgramTestHost.StartAsync(fake: fake, services: Shared(store, cache, dp));
        await using var b = await MiniProgramTestHost.StartAsync(fake: fake, services: Shared(store, cache, dp));
        var code = fake.Login(User);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).SignInAsync(code)));
        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        output.WriteLine($"ok={ok} statuses={string.Join(",", responses.Select(r => (int)r.StatusCode))} wechat={fake.SessionRequests}");
        Assert.Equal(1, fake.SessionRequests);
        Assert.Equal(1 + WeChatMiniProgramDefaults.MaxRepeatsPerCode, ok);

        // later, spaced repeats on either host: still capped
        var later = await Task.WhenAll(a.SignInAsync(code), b.SignInAsync(code));
        Assert.All(later, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
    }

    [Fact]
    public async Task F2_the_session_key_lease_eats_the_windows_margin_and_the_other_instance_gives_up()
    {
        // BackchannelTimeout 2 s, window 3 s (the least allowed). The exchange answers in 1.8 s (< timeout); the user's
        // lease is held (a sign-in on an instance that died a moment ago: 5 s lease), so the store waits its ~1 s.
        var fake = new FakeMiniProgramWeChat { SessionDelay = TimeSpan.FromMilliseconds(1950) };
        var inner = new MemoryWeChatAtomicStore(TimeProvider.System);
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var dp = new EphemeralDataProtectionProvider();
        void Configure(WeChatMiniProgramOptions o)
        {
            o.BackchannelTimeout = TimeSpan.FromSeconds(2);
            o.RepeatedCodeWindow = TimeSpan.FromSeconds(5);
        }

        await using var a = await MiniProgramTestHost.StartAsync(Configure, fake: fake, services: Shared(inner, cache, dp));
        await using var b = await MiniProgramTestHost.StartAsync(Configure, fake: fake, services: Shared(inner, cache, dp));
        await inner.TryAddAsync("WeChat.MiniProgram:" + FakeMiniProgramWeChat.AppId + ":session:" + User.OpenId + ":lock", new byte[] { 9 }, TimeSpan.FromSeconds(5));
        var code = fake.Login(User);

        var sw = Stopwatch.StartNew();
        var first = a.SignInAsync(code);
        await Task.Delay(5);
        var retry = b.SignInAsync(code); // the mini-program's retry lands on the other instance
        var r1 = await first;
        var t1 = sw.Elapsed;
        var r2 = await retry;
        output.WriteLine($"first {(int)r1.StatusCode} after {t1.TotalSeconds:F2}s; retry {(int)r2.StatusCode} after {sw.Elapsed.TotalSeconds:F2}s: {await r2.Content.ReadAsStringAsync()}; wechat calls={fake.SessionRequests}");
        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
    }

    // ---------- 3. open data ----------

    private static string Watermark => $"\"watermark\":{{\"timestamp\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds()},\"appid\":\"{FakeMiniProgramWeChat.AppId}\"}}";

    [Theory]
    [InlineData("{\"open\\u0049d\":\"oEVIL_0123456789abcdefghijk\",__W__}", "escaped name")]
    [InlineData("{\"\\u006fpenId\":\"oEVIL_0123456789abcdefghijk\",__W__}", "escaped first letter (fits a 16-byte first block)")]
    [InlineData("{\"OpenId\":\"oEVIL_0123456789abcdefghijk\",__W__}", "other case")]
    [InlineData("{\"openid\":\"oEVIL_0123456789abcdefghijk\",__W__}", "lower case")]
    [InlineData("{\"openId\":\"oMpProbe2_0123456789abcdefghi\",\"openId\":\"oEVIL\",__W__}", "duplicate")]
    [InlineData("{\"openId\":42,__W__}", "number")]
    [InlineData("{\"openId\":null,__W__}", "null")]
    [InlineData("{\"openId\":[\"oMpProbe2_0123456789abcdefghi\"],__W__}", "array")]
    public async Task O1_an_openId_that_is_not_the_users_is_refused(string template, string label)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        await host.SignInAsync(User);
        var json = template.Replace("__W__", Watermark, StringComparison.Ordinal);
        var data = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), json);
        var service = host.App.Services.GetRequiredService<IWeChatMiniProgramService>();
        string? accepted = null;
        try
        {
            using var doc = await service.DecryptAsync(User.OpenId, data.EncryptedData, data.Iv);
            accepted = doc.RootElement.GetRawText();
            // what an app does with JsonSerializerOptions.Web (case-insensitive)
            var info = doc.Deserialize<UserInfo>(JsonSerializerOptions.Web);
            output.WriteLine($"{label}: ACCEPTED, app reads OpenId = {info?.OpenId}");
        }
        catch (WeChatException ex)
        {
            output.WriteLine($"{label}: refused: {ex.Message}");
        }
        catch (JsonException ex)
        {
            output.WriteLine($"{label}: accepted, app's deserialisation failed: {ex.Message}");
        }

        Assert.Null(accepted);
    }

    private sealed record UserInfo(string? OpenId);

    [Fact]
    public async Task O2_first_block_rewrite_to_OpenId_with_capital_O_goes_through()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var profile = "{\"openId\":\"" + User.OpenId + "\",\"nickName\":\"x\"," + Watermark + "}";
        var genuine = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), profile);
        var iv = Convert.FromBase64String(genuine.Iv);
        var known = Encoding.UTF8.GetBytes(profile[..16]);
        var wanted = Encoding.UTF8.GetBytes("{\"OpenId\":\"oEVIL");
        for (var i = 0; i < 16; i++) iv[i] ^= (byte)(known[i] ^ wanted[i]);

        var response = await host.SendAsync(HttpMethod.Post, "/decrypt", tokens.AccessToken, new { encryptedData = genuine.EncryptedData, iv = Convert.ToBase64String(iv) });
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {body}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    // ---------- 4. session-key lease ----------

    [Fact]
    public async Task L1_a_failed_lease_release_fails_a_sign_in_whose_key_was_stored()
    {
        var store = new ProbeStore(new MemoryWeChatAtomicStore(TimeProvider.System)) { FailRemove = k => k.EndsWith(":lock", StringComparison.Ordinal) };
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IWeChatAtomicStore>(store));
        var code = host.Fake.Login(User);
        var response = await host.SignInAsync(code);
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        foreach (var e in host.Logs.Entries.Where(e => e.EventId.Id >= 1300)) output.WriteLine($"{e.Level} {e.EventId.Id} {e.Message}");
        var keys = await host.App.Services.GetRequiredKeyedService<AspNetCore.Authentication.WeChat.MiniProgram.WeChatMiniProgram>(WeChatMiniProgramDefaults.Name).SessionKeys.GetKeysAsync(User.OpenId, default);
        output.WriteLine($"session keys stored: {keys.Length}");
        var retry = await host.SignInAsync(code);
        output.WriteLine($"retry of the same code: {(int)retry.StatusCode} {await retry.Content.ReadAsStringAsync()}; wechat calls={host.Fake.SessionRequests}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task L2_a_lease_acquire_failure_is_logged_as_the_cache()
    {
        // With a cookie scheme no session record is needed; the lease alone makes the atomic store a hard dependency.
        var store = new ProbeStore(new MemoryWeChatAtomicStore(TimeProvider.System)) { FailAdd = k => k.EndsWith(":lock", StringComparison.Ordinal) };
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IWeChatAtomicStore>(store));
        var response = await host.SignInAsync(host.Fake.Login(User));
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        foreach (var e in host.Logs.Entries.Where(e => e.EventId.Id >= 1300)) output.WriteLine($"{e.Level} {e.EventId.Id} {e.Message}");
        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Id == 1303 && e.Message.Contains("IDistributedCache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task L3_the_lease_wait_is_bounded()
    {
        // Bounded in count, not timed: a lease held by an instance that died is waited for a fixed number of tries.
        var store = new ProbeStore(new MemoryWeChatAtomicStore(TimeProvider.System));
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IWeChatAtomicStore>(store));
        var lockKey = "WeChat.MiniProgram:" + FakeMiniProgramWeChat.AppId + ":session:" + User.OpenId + ":lock";
        await store.TryAddAsync(lockKey, new byte[] { 9 }, TimeSpan.FromSeconds(30));

        var response = await host.SignInAsync(host.Fake.Login(User));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1 + 50, store.Adds.Count(k => k == lockKey));
    }

    private sealed class SessionWriteFailingCache : IDistributedCache
    {
        private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));
        public byte[]? Get(string key) => _inner.Get(key);
        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(key, token);
        public void Refresh(string key) => _inner.Refresh(key);
        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);
        public void Remove(string key) => _inner.Remove(key);
        public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);
        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);
        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
            => key.Contains(":session:", StringComparison.Ordinal) ? throw new TimeoutException("redis blip") : _inner.SetAsync(key, value, options, token);
    }

    [Fact]
    public async Task L4_after_a_session_key_write_failure_the_retry_of_the_code_is_answered_by_WeChat_at_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache, SessionWriteFailingCache>());
        var code = host.Fake.Login(User);
        var first = await host.SignInAsync(code);
        await MiniProgramTestHost.ProblemAsync(first, 503, WeChatProblems.StoreUnavailable);

        var retry = await host.SignInAsync(code);

        // The failed exchange freed its claim: the retry did not wait for an outcome that was never recorded, it asked
        // WeChat, which says the code was used.
        var problem = await MiniProgramTestHost.ProblemAsync(retry, 400, WeChatProblems.InvalidCode);
        Assert.Equal(40163, problem.GetProperty("errcode").GetInt32());
        Assert.Equal(2, host.Fake.SessionRequests);
    }

    // ---------- 5. headers ----------

    [Theory]
    [InlineData("POST", "/signin-wechat-miniprogram", "code=x", "application/x-www-form-urlencoded")]
    [InlineData("POST", "/signin-wechat-miniprogram", "{\"code\":\"bad code\"}", "application/json")]
    [InlineData("POST", "/signin-wechat-miniprogram", "{\"code\":\"neverissued0123456789abcdefabcd\"}", "application/json")]
    [InlineData("POST", "/signin-wechat-miniprogram/refresh", "{\"refreshToken\":\"x\"}", "application/json")]
    [InlineData("POST", "/signin-wechat-miniprogram/refresh", "not json", "application/json")]
    public async Task H1_every_answer_of_both_endpoints_is_no_store(string method, string path, string? body, string? type)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, type!);
        var response = await host.Client.SendAsync(request);
        output.WriteLine($"{method} {path}: {(int)response.StatusCode} Cache-Control={response.Headers.CacheControl} Pragma={response.Headers.Pragma}");
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"{(int)response.StatusCode} without no-store");
    }

    [Fact]
    public async Task H2_the_bearer_answer_and_503_and_429_headers()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var ok = await host.SignInAsync(host.Fake.Login(User));
        output.WriteLine($"200: Cache-Control={ok.Headers.CacheControl} Pragma={ok.Headers.Pragma}");
        Assert.True(ok.Headers.CacheControl?.NoStore);
        host.Fake.SessionResponse = _ => Infrastructure.FakeWeChat.Json("""{"errcode":45011,"errmsg":"api minute-quota reach limit mustslower retry next minute"}""");
        var limited = await host.SignInAsync(host.Fake.Login(User));
        output.WriteLine($"{(int)limited.StatusCode}: Retry-After={limited.Headers.RetryAfter} Cache-Control={limited.Headers.CacheControl}");
        Assert.Equal("60", limited.Headers.RetryAfter?.ToString());
        host.Fake.SessionResponse = _ => Infrastructure.FakeWeChat.Json("""{"errcode":-1,"errmsg":"system error"}""");
        var busy = await host.SignInAsync(host.Fake.Login(User));
        output.WriteLine($"{(int)busy.StatusCode}: Retry-After={busy.Headers.RetryAfter} Cache-Control={busy.Headers.CacheControl}");
        Assert.Equal("5", busy.Headers.RetryAfter?.ToString());
    }

    // ---------- 6. start-up ----------

    [Fact]
    public async Task V1_a_policy_scheme_as_the_sign_in_scheme_stops_the_app_at_start_up()
    {
        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => MiniProgramTestHost.StartAsync(
            o => o.SignInScheme = "policy",
            authentication: a => a.AddPolicyScheme("policy", null, p => p.ForwardDefault = WeChatMiniProgramDefaults.BearerScheme)));

        Assert.Contains("'SignInScheme'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("policy scheme", failure.Message, StringComparison.Ordinal);
    }
}
