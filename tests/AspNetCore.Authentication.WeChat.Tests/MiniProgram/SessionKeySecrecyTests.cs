using System.Net.Http.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>session_key, the AppSecret and the global token never leave the server: not in a response, a claim or a log.</summary>
public class SessionKeySecrecyTests
{
    [Fact]
    public async Task No_secret_reaches_a_response_a_claim_or_a_log_line()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var user = new FakeMiniProgramUser("oMpSecret_0123456789abcdefgh", "uMpSecret_0123456789abcdefgh");
        var responses = new List<string>();
        async Task<HttpResponseMessage> Keep(Task<HttpResponseMessage> sending)
        {
            var response = await sending;
            responses.Add(response.ToString() + "\n" + await response.Content.ReadAsStringAsync());
            return response;
        }

        // Sign in twice (two session keys), refresh, use every service, and fail in every way.
        await Keep(host.SignInAsync(host.Fake.Login(user)));
        var signIn = await Keep(host.SignInAsync(host.Fake.Login(user)));
        var tokens = (await signIn.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        await Keep(host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken = tokens.RefreshToken }));
        await Keep(host.SendAsync(HttpMethod.Get, "/me", tokens.AccessToken));
        await Keep(host.SendAsync(HttpMethod.Post, "/decrypt", tokens.AccessToken, new { encryptedData = FakeMiniProgramWeChat.Encrypt(host.Fake.SessionKeyOf(user), "{}").EncryptedData, iv = "r7BXXKkLb8qrSNn05n0qiA==" }));
        await Keep(host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = host.Fake.PhoneCode(user) }));
        await Keep(host.SendAsync(HttpMethod.Post, "/checksession", tokens.AccessToken));
        foreach (var (errcode, errmsg) in new[] { (40125, "invalid appsecret"), (40013, "invalid appid"), (-1, "system error"), (40029, "invalid code") })
        {
            host.Fake.SessionResponse = _ => FakeWeChat.Error(errcode, errmsg);
            await Keep(host.SignInAsync(host.Fake.Login(user)));
        }

        host.Fake.SessionResponse = _ => FakeWeChat.Json("""{"openid":"oMp_0123456789abcdefghijklmn","session_key":"bad"}""");
        await Keep(host.SignInAsync(host.Fake.Login(user)));

        var everything = string.Join("\n", responses) + "\n" + host.Logs.AllText;
        Assert.NotEmpty(host.Fake.IssuedSessionKeys);
        foreach (var sessionKey in host.Fake.IssuedSessionKeys)
        {
            Assert.DoesNotContain(sessionKey, everything, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(FakeMiniProgramWeChat.AppSecret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeMiniProgramWeChat.GlobalToken, everything, StringComparison.Ordinal);
        // The claims of the signed-in user hold ids only.
        Assert.DoesNotContain(host.Fake.SessionKeyOf(user), string.Join(",", (await host.MeAsync(tokens.AccessToken)).Values), StringComparison.Ordinal);
    }
}
