using System.Collections;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>
/// The attacks of the mini-program sign-in's security review, each kept as a test of the behaviour it asked for.
/// </summary>
public class MiniProgramReviewTests(ITestOutputHelper output)
{
    private static readonly FakeMiniProgramUser User = new("oMpReview_0123456789abcdefghi", "uMpReview_0123456789abcdefghi");

    private static Task<HttpResponseMessage> RefreshAsync(MiniProgramTestHost host, string refreshToken)
        => host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken });

    // ---------- P1: a refresh token is single-use: re-encodings of the same token must not be spendable again ----------
    [Theory]
    [InlineData("space-inside")]
    [InlineData("four-spaces")]
    [InlineData("tab-end")]
    [InlineData("newline-end")]
    [InlineData("padding")]
    public async Task P1_a_spent_refresh_token_reencoded_is_still_refused(string variant)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var t = tokens.RefreshToken;
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(host, t)).StatusCode);

        var replay = variant switch
        {
            "space-inside" => t[..10] + " " + t[10..],
            "four-spaces" => t[..10] + "    " + t[10..],
            "tab-end" => t + "\t",
            "newline-end" => t + "\n",
            _ => t + new string('=', (4 - t.Length % 4) % 4 == 0 ? 4 : (4 - t.Length % 4) % 4),
        };
        var response = await RefreshAsync(host, replay);
        output.WriteLine($"{variant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task P1b_one_refresh_token_renews_many_times_by_adding_whitespace()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var ok = 0;
        for (var i = 0; i < 20; i++)
        {
            var response = await RefreshAsync(host, tokens.RefreshToken + new string(' ', i));
            ok += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        output.WriteLine($"successful refreshes with ONE refresh token: {ok}");
        Assert.Equal(1, ok);
    }

    // ---------- P3: every failure logged exactly once with an event id ----------
    private async Task<string[]> FailureLogsAsync(MiniProgramTestHost host, string code)
    {
        host.Logs.Entries.Clear();
        var response = await host.SignInAsync(code);
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var lines = host.Logs.Entries.Where(e => e.Category.StartsWith("AspNetCore.Authentication.WeChat", StringComparison.Ordinal))
            .Select(e => $"{e.Level} {e.EventId.Id} {e.Message}").ToArray();
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        return lines;
    }

    [Fact]
    public async Task P3a_a_timeout_of_jscode2session_is_logged_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.BackchannelTimeout = TimeSpan.FromMilliseconds(200));
        host.Fake.SessionDelay = TimeSpan.FromSeconds(2);
        Assert.Single(await FailureLogsAsync(host, host.Fake.Login(User)));
    }

    [Fact]
    public async Task P3b_an_unusable_jscode2session_answer_is_logged_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Json("""{"openid":"oMpReview_0123456789abcdefghi"}""");
        Assert.Single(await FailureLogsAsync(host, host.Fake.Login(User)));
    }

    [Fact]
    public async Task P3c_a_session_key_store_failure_is_logged_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync(services: s =>
            s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache, FailingCache>());
        Assert.Single(await FailureLogsAsync(host, host.Fake.Login(User)));
    }

    [Fact]
    public async Task P3d_a_phone_code_refused_by_WeChat_is_logged_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        host.Logs.Entries.Clear();

        var response = await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = "unknownphonecode0123456789abcdef" });
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var lines = host.Logs.Entries.Where(e => e.Category.StartsWith("AspNetCore.Authentication.WeChat", StringComparison.Ordinal) && e.EventId.Id != 1101).ToArray();
        foreach (var line in lines)
        {
            output.WriteLine(line.ToString());
        }

        Assert.Single(lines);
    }

    [Fact]
    public async Task P3e_a_repeated_failed_code_is_logged_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        await host.SignInAsync("neverissued0123456789abcdefabcd");
        Assert.Single(await FailureLogsAsync(host, "neverissued0123456789abcdefabcd"));
    }

    // ---------- P4/P8: open data is malleable; decrypted output must be readable ----------
    private static string Profile() => JsonSerializer.Serialize(new
    {
        openId = User.OpenId,
        nickName = "小明",
        watermark = new { timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), appid = FakeMiniProgramWeChat.AppId },
    });

    private static (string EncryptedData, string Iv) FlipFirstBlock((string EncryptedData, string Iv) data, string knownFirstBlock, byte[] wantedFirstBlock)
    {
        var iv = Convert.FromBase64String(data.Iv);
        var known = Encoding.UTF8.GetBytes(knownFirstBlock);
        Assert.Equal(16, known.Length);
        Assert.Equal(16, wantedFirstBlock.Length);
        for (var i = 0; i < 16; i++)
        {
            iv[i] ^= (byte)(known[i] ^ wantedFirstBlock[i]);
        }

        return (data.EncryptedData, Convert.ToBase64String(iv));
    }

    [Fact]
    public async Task P4_a_client_rewrites_the_first_16_bytes_of_its_open_data_without_the_key()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var genuine = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());
        // The client knows its own plaintext (wx.getUserInfo's rawData / the app echoing it); it changes only the iv.
        var forged = FlipFirstBlock(genuine, Profile()[..16], Encoding.UTF8.GetBytes("{\"openId\":\"oEVIL"));

        var response = await host.SendAsync(HttpMethod.Post, "/decrypt", tokens.AccessToken, new { encryptedData = forged.EncryptedData, iv = forged.Iv });
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {body}");

        // SHOULD: refused (the openId inside does not match the signed-in user) — it decrypts "fine".
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task P8_decrypted_open_data_with_a_lone_surrogate_is_refused_not_returned()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var genuine = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());
        var forged = FlipFirstBlock(genuine, Profile()[..16], Encoding.UTF8.GetBytes("{\"oId\":\"\\ud800xx"));

        var service = host.App.Services.GetRequiredService<IWeChatMiniProgramService>();
        Exception? failure = null;
        try
        {
            using var document = await service.DecryptAsync(User.OpenId, forged.EncryptedData, forged.Iv);
            output.WriteLine("decrypted: " + document.RootElement.GetRawText());
            foreach (var p in document.RootElement.EnumerateObject())
            {
                _ = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null; // what any app does
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        output.WriteLine(failure?.GetType().FullName + ": " + failure?.Message);
        Assert.IsType<WeChatException>(failure);
    }

    [Fact]
    public async Task P8b_raw_invalid_utf8_in_decrypted_open_data_is_refused_not_returned()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var genuine = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());
        var wanted = Encoding.ASCII.GetBytes("{\"oId\":\"XXXXXXXX");
        wanted[8] = 0xFF;
        wanted[9] = 0xFE;
        var forged = FlipFirstBlock(genuine, Profile()[..16], wanted);

        var response = await host.SendAsync(HttpMethod.Post, "/decrypt", tokens.AccessToken, new { encryptedData = forged.EncryptedData, iv = forged.Iv });
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    // ---------- P5: bounded memory of the in-process atomic store ----------
    [Fact]
    public async Task P5_refresh_chains_grow_the_in_process_store_for_the_refresh_tokens_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var tokens = await host.SignInAsync(User);
        var token = tokens.RefreshToken;
        for (var i = 0; i < 200; i++)
        {
            var response = await RefreshAsync(host, token);
            token = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!.RefreshToken;
        }

        var store = host.App.Services.GetRequiredService<IWeChatAtomicStore>();
        var entries = (ICollection)store.GetType().GetField("_entries", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(store)!;
        output.WriteLine($"entries after 200 refreshes: {entries.Count}");
        time.Advance(TimeSpan.FromDays(13));
        await host.SignInAsync("x" + RandomNumberGenerator.GetHexString(31, true)); // triggers the sweep
        output.WriteLine($"entries 13 days later (after a sweep): {entries.Count}");
        Assert.True(entries.Count < 100, "each spent refresh token is kept 14 days in an in-process dictionary");
    }

    // ---------- P6: request parsing ----------
    [Theory]
    [InlineData("""{"code":"abc","code":"def"}""", 400)]
    [InlineData("""[[[[[[[[[[[[]]]]]]]]]]]]""", 400)]
    [InlineData("""{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}},"code":"x"}""", 400)]
    [InlineData("""{"code":"\ud800"}""", 400)]
    [InlineData("""{"\ud800":1,"code":"abc"}""", 400)]
    [InlineData("""{"code":"abc"} trailing""", 400)]
    [InlineData("""{"code":"abc", }""", 400)]
    [InlineData("""/*c*/{"code":"abc"}""", 400)]
    [InlineData("", 400)]
    public async Task P6b_hostile_bodies_are_400(string body, int status)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var response = await host.Client.PostAsync("/signin-wechat-miniprogram", new StringContent(body, Encoding.UTF8, "application/json"));
        output.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task P6c_invalid_utf8_and_chunked_oversize_are_400()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var bad = new ByteArrayContent([.. "{\"code\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()]);
        bad.Headers.ContentType = new("application/json");
        var r1 = await host.Client.PostAsync("/signin-wechat-miniprogram", bad);
        var big = new PushStreamContent(new string(' ', 10_000) + "{\"code\":\"abc\"}");
        big.Headers.ContentType = new("application/json");
        var r2 = await host.Client.PostAsync("/signin-wechat-miniprogram", big);
        output.WriteLine($"invalid utf8: {(int)r1.StatusCode}; chunked 10 KB: {(int)r2.StatusCode}");
        Assert.Equal(400, (int)r1.StatusCode);
        Assert.Equal(400, (int)r2.StatusCode);
    }

    // ---------- P10: the repeated-code window hands a code's user to anyone who has the code ----------
    [Fact]
    public async Task P10_a_code_replayed_by_another_client_within_the_window_gets_new_sessions_each_time()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var code = host.Fake.Login(User);
        var victim = await host.SignInAsync(code);
        Assert.Equal(HttpStatusCode.OK, victim.StatusCode);

        var attacker = ((Microsoft.AspNetCore.TestHost.TestServer)host.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).CreateClient();
        var sessions = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var response = await attacker.PostAsJsonAsync("/signin-wechat-miniprogram", new { code });
            if (response.StatusCode == HttpStatusCode.OK)
            {
                sessions.Add((await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!.RefreshToken);
            }
        }

        output.WriteLine($"independent sessions minted from one used code: {sessions.Count}");
        Assert.Equal(WeChatMiniProgramDefaults.MaxRepeatsPerCode, sessions.Count);
    }

    // ---------- P12: problem bodies never carry upstream text or an IP ----------
    [Fact]
    public async Task P12_a_40164_answer_reveals_no_ip_in_body_or_logs()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Error(40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6500f1a2-1b2c3d4e-5f6a7b8c");
        var response = await host.SignInAsync(host.Fake.Login(User));
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {body}");
        output.WriteLine(host.Logs.AllText);
        Assert.DoesNotContain("203.0.113", body + host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeMiniProgramWeChat.AppSecret, body + host.Logs.AllText, StringComparison.Ordinal);
    }

    private sealed class PushStreamContent(string text) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            for (var i = 0; i < bytes.Length; i += 512)
            {
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(512, bytes.Length - i)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private sealed class FailingCache : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        public byte[]? Get(string key) => throw new InvalidOperationException("cache down");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Refresh(string key) => throw new InvalidOperationException("cache down");

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Remove(string key) => throw new InvalidOperationException("cache down");

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new InvalidOperationException("cache down");

        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options) => throw new InvalidOperationException("cache down");

        public Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) => throw new InvalidOperationException("cache down");
    }
}

public class MiniProgramReviewTests2(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly FakeMiniProgramUser User = new("oMpReview2_0123456789abcdefgh");

    [Fact]
    public async Task P1c_a_non_canonical_last_character_is_the_same_token()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var ok = 0;
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var tokens = await host.SignInAsync(User);
            var t = tokens.RefreshToken;
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            var unused = (t.Length % 4) switch { 2 => 4, 3 => 2, _ => 0 };
            if (unused == 0)
            {
                continue;
            }

            var index = alphabet.IndexOf(t[^1], StringComparison.Ordinal);
            var mask = (1 << unused) - 1;
            var sibling = alphabet[(index & ~mask) | ((index + 1) & mask)];
            var variant = t[..^1] + sibling;
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken = t })).StatusCode);
            var response = await host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken = variant });
            output.WriteLine($"len%4={t.Length % 4} last '{t[^1]}' -> '{sibling}': {(int)response.StatusCode}");
            ok += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(0, ok);
    }
}

public class MiniProgramReviewTests3
{
    private static readonly FakeMiniProgramUser User = new("oMpReview3_0123456789abcdefgh");

    private sealed class SlowCache() : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        private readonly Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache _inner = new(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));

        public byte[]? Get(string key) => _inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var value = await _inner.GetAsync(key, token);
            await Task.Delay(100, token); // a Redis round trip, exaggerated
            return value;
        }

        public void Refresh(string key) => _inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

        public void Remove(string key) => _inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);
    }

    [Fact]
    public async Task P13_two_concurrent_sign_ins_of_one_user_keep_both_session_keys()
    {
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache, SlowCache>());
        var k1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var k2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var c1 = host.Fake.Login(User, k1);
        var c2 = host.Fake.Login(User, k2);
        var r = await Task.WhenAll(host.SignInAsync(c1), host.SignInAsync(c2));
        Assert.All(r, x => Assert.Equal(HttpStatusCode.OK, x.StatusCode));
        var weChatsCurrent = host.Fake.SessionKeyOf(User);

        var keys = await host.App.Services.GetRequiredKeyedService<AspNetCore.Authentication.WeChat.MiniProgram.WeChatMiniProgram>(WeChatMiniProgramDefaults.Name).SessionKeys.GetKeysAsync(User.OpenId, default);
        Assert.Contains(k1, keys);
        Assert.Contains(k2, keys);
        Assert.Contains(weChatsCurrent, keys);
        // Whichever order the two were stored in, WeChat's current key is found.
        Assert.True(await host.App.Services.GetRequiredService<IWeChatMiniProgramService>().CheckSessionAsync(User.OpenId));
    }

    [Fact]
    public async Task P14_no_login_code_in_any_log_line()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var codes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var code = host.Fake.Login(User);
            codes.Add(code);
            await host.SignInAsync(code);
            await host.SignInAsync(code);
        }

        host.Fake.SessionResponse = _ => FakeWeChat.Error(40029, "invalid code");
        var bad = host.Fake.Login(User);
        codes.Add(bad);
        await host.SignInAsync(bad);
        foreach (var code in codes)
        {
            Assert.DoesNotContain(code, host.Logs.AllText, StringComparison.Ordinal);
        }
    }
}

public class MiniProgramReviewTests4(Xunit.Abstractions.ITestOutputHelper output)
{
    private sealed class AuthenticateOnlyHandler : Microsoft.AspNetCore.Authentication.IAuthenticationHandler
    {
        public Task InitializeAsync(Microsoft.AspNetCore.Authentication.AuthenticationScheme scheme, Microsoft.AspNetCore.Http.HttpContext context) => Task.CompletedTask;

        public Task<Microsoft.AspNetCore.Authentication.AuthenticateResult> AuthenticateAsync() => Task.FromResult(Microsoft.AspNetCore.Authentication.AuthenticateResult.NoResult());

        public Task ChallengeAsync(Microsoft.AspNetCore.Authentication.AuthenticationProperties? properties) => Task.CompletedTask;

        public Task ForbidAsync(Microsoft.AspNetCore.Authentication.AuthenticationProperties? properties) => Task.CompletedTask;
    }

    [Fact]
    public async Task P15_a_sign_in_scheme_that_cannot_sign_in_fails_at_start_up()
    {
        Exception? startup = null;
        MiniProgramTestHost? host = null;
        try
        {
            host = await MiniProgramTestHost.StartAsync(
                o => o.SignInScheme = "ApiKey",
                authentication: a => a.AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, DummyHandler>("ApiKey", null));
        }
        catch (Exception ex)
        {
            startup = ex;
        }

        output.WriteLine("start-up: " + (startup?.Message ?? "started"));
        if (host is not null)
        {
            await using (host)
            {
                Exception? request = null;
                try
                {
                    var response = await host.SignInAsync(host.Fake.Login(new FakeMiniProgramUser("oMpReview4_0123456789abcdefgh")));
                    output.WriteLine($"sign-in: {(int)response.StatusCode}");
                }
                catch (Exception ex)
                {
                    request = ex;
                }

                output.WriteLine("sign-in threw: " + request?.GetType().Name + " " + request?.Message);
            }
        }

        Assert.NotNull(startup);
    }

    private sealed class DummyHandler(Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions> options, Microsoft.Extensions.Logging.ILoggerFactory logger, System.Text.Encodings.Web.UrlEncoder encoder)
        : Microsoft.AspNetCore.Authentication.AuthenticationHandler<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<Microsoft.AspNetCore.Authentication.AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Microsoft.AspNetCore.Authentication.AuthenticateResult.NoResult());
    }
}
