using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>Open data decrypted with the session_key the server keeps, through the app's endpoints.</summary>
public class OpenDataTests
{
    private static readonly FakeMiniProgramUser User = new("oMpOpenData_0123456789abcdef", "uMpOpenData_0123456789abcdef");

    private static string Profile(string appId = FakeMiniProgramWeChat.AppId, long? timestamp = null)
        => JsonSerializer.Serialize(new
        {
            openId = User.OpenId,
            nickName = "小明",
            watermark = new { timestamp = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), appid = appId },
        });

    private static Task<HttpResponseMessage> DecryptAsync(MiniProgramTestHost host, string accessToken, (string EncryptedData, string Iv) data)
        => host.SendAsync(HttpMethod.Post, "/decrypt", accessToken, new { encryptedData = data.EncryptedData, iv = data.Iv });

    [Fact]
    public async Task Open_data_encrypted_with_the_users_session_key_decrypts()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        var response = await DecryptAsync(host, tokens.AccessToken, FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("小明", json.RootElement.GetProperty("nickName").GetString());
    }

    [Fact]
    public async Task Base64_with_spaces_for_plus_signs_decrypts()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        (string EncryptedData, string Iv) data;
        do
        {
            data = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());
        }
        while (!data.EncryptedData.Contains('+', StringComparison.Ordinal));

        var response = await DecryptAsync(host, tokens.AccessToken, (data.EncryptedData.Replace('+', ' '), data.Iv.Replace('+', ' ')));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Data_of_the_replaced_session_key_decrypts_within_the_overlap_and_not_after()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        await host.SignInAsync(User);
        var oldData = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());
        var tokens = await host.SignInAsync(User); // wx.login again: WeChat rotated the session_key
        var newData = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile());

        Assert.Equal(HttpStatusCode.OK, (await DecryptAsync(host, tokens.AccessToken, oldData)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DecryptAsync(host, tokens.AccessToken, newData)).StatusCode);

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        await MiniProgramTestHost.ProblemAsync(await DecryptAsync(host, tokens.AccessToken, oldData), 400, WeChatProblems.InvalidOpenData);
        Assert.Equal(HttpStatusCode.OK, (await DecryptAsync(host, tokens.AccessToken, newData)).StatusCode);
    }

    [Fact]
    public async Task Data_encrypted_with_a_key_the_server_never_had_never_succeeds()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        for (var i = 0; i < 50; i++)
        {
            var foreign = FakeMiniProgramWeChat.Encrypt(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), Profile());
            await MiniProgramTestHost.ProblemAsync(await DecryptAsync(host, tokens.AccessToken, foreign), 400, WeChatProblems.InvalidOpenData);
        }
    }

    [Fact]
    public async Task Data_with_another_apps_watermark_is_refused()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        var response = await DecryptAsync(host, tokens.AccessToken, FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile(appId: "wx4f4bc4dec97d474b")));

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidOpenData);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1306 && e.Message.Contains("another app", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Old_data_is_refused_when_a_maximum_age_is_set()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.OpenDataMaxAge = TimeSpan.FromMinutes(10));
        var tokens = await host.SignInAsync(User);
        var key = host.Fake.SessionKeyOf(User);

        Assert.Equal(HttpStatusCode.OK, (await DecryptAsync(host, tokens.AccessToken, FakeMiniProgramWeChat.Encrypt(key, Profile()))).StatusCode);
        var old = FakeMiniProgramWeChat.Encrypt(key, Profile(timestamp: DateTimeOffset.UtcNow.AddMinutes(-11).ToUnixTimeSeconds()));
        await MiniProgramTestHost.ProblemAsync(await DecryptAsync(host, tokens.AccessToken, old), 400, WeChatProblems.InvalidOpenData);
    }

    [Theory]
    [InlineData("", "r7BXXKkLb8qrSNn05n0qiA==")]
    [InlineData("QUJD", "r7BXXKkLb8qrSNn05n0qiA==")]
    [InlineData("CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrA=", "short")]
    [InlineData("%%%%", "r7BXXKkLb8qrSNn05n0qiA==")]
    public async Task Malformed_open_data_is_400(string encryptedData, string iv)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        await MiniProgramTestHost.ProblemAsync(await DecryptAsync(host, tokens.AccessToken, (encryptedData, iv)), 400, WeChatProblems.InvalidOpenData);
    }

    [Fact]
    public async Task Without_a_kept_session_key_the_mini_program_is_told_to_sign_in_again()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var cache = host.App.Services.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>();
        await cache.RemoveAsync("WeChat.MiniProgram:" + FakeMiniProgramWeChat.AppId + ":session:" + User.OpenId);

        var response = await DecryptAsync(host, tokens.AccessToken, FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(User), Profile()));

        await MiniProgramTestHost.ProblemAsync(response, 401, WeChatProblems.SessionKeyMissing);
    }

    [Fact]
    public async Task The_session_key_is_kept_protected_never_in_the_clear()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        await host.SignInAsync(User);
        var cache = host.App.Services.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>();

        var stored = await cache.GetAsync("WeChat.MiniProgram:" + FakeMiniProgramWeChat.AppId + ":session:" + User.OpenId);

        Assert.NotNull(stored);
        var key = host.Fake.SessionKeyOf(User);
        Assert.DoesNotContain(key, System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(key, Convert.ToBase64String(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rawData_signature_is_verified_with_the_users_session_key()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        const string rawData = """{"nickName":"小明","gender":1}""";
        var key = host.Fake.SessionKeyOf(User);
#pragma warning disable CA5350 // WeChat's rawData signature is SHA-1.
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(rawData + key)));
#pragma warning restore CA5350

        async Task<bool> VerifyAsync(string raw, string sig)
            => await (await host.SendAsync(HttpMethod.Post, "/signature", tokens.AccessToken, new { rawData = raw, signature = sig })).Content.ReadFromJsonAsync<bool>();

        Assert.True(await VerifyAsync(rawData, signature));
        Assert.False(await VerifyAsync(rawData + " ", signature));
        Assert.False(await VerifyAsync(rawData, new string('0', 40)));
    }

    [Fact]
    public async Task Check_session_signs_with_the_kept_key_and_WeChat_says_whether_it_is_current()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        Assert.True(await (await host.SendAsync(HttpMethod.Post, "/checksession", tokens.AccessToken)).Content.ReadFromJsonAsync<bool>());
        Assert.Contains(host.Fake.Requests, r => r.AbsolutePath == "/wxa/checksession" && r.Query.Contains("access_token=" + FakeMiniProgramWeChat.GlobalToken, StringComparison.Ordinal));
    }
}
