using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// Mini-program sign-ins across two instances on a real redis-server: a retried code, a refresh token and a session_key
/// are shared by the farm. Skipped (with the reason) without redis-server, except under CI=true where that fails.
/// </summary>
public sealed class MiniProgramFarmTests : IAsyncLifetime
{
    private WebFarm? _farm;

    private WebFarm Farm => _farm!;

    private WeChatEmulator WeChat => Farm.Emulator.Services.GetRequiredService<WeChatEmulator>();

    public async Task InitializeAsync()
    {
        if (RedisServer.MissingReason() is null)
        {
            _farm = await WebFarm.StartAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        }
    }

    public async Task DisposeAsync()
    {
        if (_farm is not null)
        {
            await _farm.DisposeAsync();
        }
    }

    private static void RequireRedis()
    {
        var missing = RedisServer.MissingReason();
        Skip.If(missing is not null, missing);
    }

    private async Task<HttpResponseMessage> PostAsync(WebApplicationFactory<Program> instance, string path, object body, string? accessToken = null)
    {
        var client = Farm.Client(instance);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await client.SendAsync(request);
    }

    private async Task<string> OpenIdAsync(WebApplicationFactory<Program> instance, HttpResponseMessage signIn)
    {
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        using var tokens = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.RootElement.GetProperty("accessToken").GetString());
        var me = await (await Farm.Client(instance).SendAsync(request)).Content.ReadFromJsonAsync<Dictionary<string, string>>();
        return me!["openid"];
    }

    [SkippableFact]
    public async Task A_code_retried_on_the_other_instance_signs_in_the_same_user_and_WeChat_is_called_once()
    {
        RequireRedis();
        var user = WebFarm.User(7);
        var code = WeChat.IssueMiniProgramCode(user);

        var onA = await PostAsync(Farm.A, "/signin-wechat-miniprogram", new { code });
        var onB = await PostAsync(Farm.B, "/signin-wechat-miniprogram", new { code });

        Assert.Equal(user.MiniProgramOpenId, await OpenIdAsync(Farm.A, onA));
        Assert.Equal(user.MiniProgramOpenId, await OpenIdAsync(Farm.B, onB));
        Assert.Equal(1, WeChat.GetCallCount("/sns/jscode2session"));
    }

    [SkippableFact]
    public async Task One_code_sent_to_both_instances_at_once_exchanges_once_and_signs_in_its_user_as_often_as_repeats_are_allowed()
    {
        RequireRedis();
        var user = WebFarm.User(8);
        var code = WeChat.IssueMiniProgramCode(user);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PostAsync(i % 2 == 0 ? Farm.A : Farm.B, "/signin-wechat-miniprogram", new { code })));

        // The first exchange and its repeats (at most MaxRepeatsPerCode, counted across the farm) sign the user in; the
        // rest are told the code was used.
        var signedIn = 0;
        for (var i = 0; i < responses.Length; i++)
        {
            if (responses[i].StatusCode == HttpStatusCode.OK)
            {
                signedIn++;
                Assert.Equal(user.MiniProgramOpenId, await OpenIdAsync(i % 2 == 0 ? Farm.A : Farm.B, responses[i]));
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, responses[i].StatusCode);
            }
        }

        Assert.Equal(1 + AspNetCore.Authentication.WeChat.WeChatMiniProgramDefaults.MaxRepeatsPerCode, signedIn);
        Assert.Equal(1, WeChat.GetCallCount("/sns/jscode2session"));
    }

    [SkippableFact]
    public async Task A_refresh_token_spent_on_one_instance_is_refused_on_the_other()
    {
        RequireRedis();
        var signIn = await PostAsync(Farm.A, "/signin-wechat-miniprogram", new { code = WeChat.IssueMiniProgramCode(WebFarm.User(9)) });
        using var tokens = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync());
        var refreshToken = tokens.RootElement.GetProperty("refreshToken").GetString();

        var onB = await PostAsync(Farm.B, "/signin-wechat-miniprogram/refresh", new { refreshToken });
        var againOnA = await PostAsync(Farm.A, "/signin-wechat-miniprogram/refresh", new { refreshToken });

        Assert.Equal(WebFarm.User(9).MiniProgramOpenId, await OpenIdAsync(Farm.A, onB));
        Assert.Equal(HttpStatusCode.Unauthorized, againOnA.StatusCode);
    }

    [SkippableFact]
    public async Task The_session_key_kept_by_one_instance_decrypts_on_the_other()
    {
        RequireRedis();
        var user = WebFarm.User(10);
        var signIn = await PostAsync(Farm.A, "/signin-wechat-miniprogram", new { code = WeChat.IssueMiniProgramCode(user) });
        using var tokens = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync());
        var data = WeChat.EncryptUserInfo(user);

        var decrypted = await PostAsync(Farm.B, "/api/miniprogram/decrypt", new { encryptedData = data.EncryptedData, iv = data.Iv }, tokens.RootElement.GetProperty("accessToken").GetString());

        Assert.Equal(HttpStatusCode.OK, decrypted.StatusCode);
        using var json = JsonDocument.Parse(await decrypted.Content.ReadAsStringAsync());
        Assert.Equal(user.Nickname, json.RootElement.GetProperty("nickName").GetString());
    }

    [SkippableFact]
    public async Task Two_hundred_concurrent_mini_program_sign_ins_across_both_instances_each_end_as_their_own_user()
    {
        RequireRedis();
        var users = Enumerable.Range(0, WebFarm.NumberedUsers).Select(WebFarm.User).ToArray();
        var codes = users.Select(WeChat.IssueMiniProgramCode).ToArray();

        var openIds = await Task.WhenAll(users.Select(async (_, i) =>
        {
            var instance = i % 2 == 0 ? Farm.A : Farm.B;
            return await OpenIdAsync(i % 3 == 0 ? Farm.B : Farm.A, await PostAsync(instance, "/signin-wechat-miniprogram", new { code = codes[i] }));
        }));

        Assert.Equal(users.Select(u => u.MiniProgramOpenId), openIds);
        Assert.Equal(users.Length, WeChat.GetCallCount("/sns/jscode2session"));
    }
}
