using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>A code sent again (a mini-program retrying after a network error) is answered without calling WeChat again.</summary>
public class RepeatedCodeTests
{
    private static readonly FakeMiniProgramUser User = new("oMpRetry_0123456789abcdefghi", "uMpRetry_0123456789abcdefghi");

    [Fact]
    public async Task A_code_sent_again_signs_the_same_user_in_and_WeChat_is_called_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var code = host.Fake.Login(User);

        var first = await host.SignInAsync(code);
        var second = await host.SignInAsync(code);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var tokens = (await second.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        Assert.Equal(User.OpenId, (await host.MeAsync(tokens.AccessToken))[WeChatClaimTypes.OpenId]);
        Assert.Equal(1, host.Fake.SessionRequests);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1304);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_code_get_its_user_as_often_as_repeats_are_allowed_and_WeChat_is_called_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionDelay = TimeSpan.FromMilliseconds(300);
        var code = host.Fake.Login(User);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.SignInAsync(code)));

        var signedIn = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToArray();
        Assert.Equal(1 + WeChatMiniProgramDefaults.MaxRepeatsPerCode, signedIn.Length);
        foreach (var response in signedIn)
        {
            var tokens = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
            Assert.Equal(User.OpenId, (await host.MeAsync(tokens.AccessToken))[WeChatClaimTypes.OpenId]);
        }

        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await MiniProgramTestHost.ProblemAsync(refused, 400, WeChatProblems.InvalidCode);
        }

        Assert.Equal(1, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task The_repeat_is_told_to_the_signing_in_event()
    {
        var repeats = new List<bool>();
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            lock (repeats)
            {
                repeats.Add(context.IsRepeatedCode);
            }

            return Task.CompletedTask;
        });
        var code = host.Fake.Login(User);

        await host.SignInAsync(code);
        await host.SignInAsync(code);

        Assert.Equal([false, true], repeats);
    }

    [Fact]
    public async Task A_failed_exchange_repeats_its_failure_without_calling_WeChat_again()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Error(-1, "system error");

        var first = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
        var second = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        await MiniProgramTestHost.ProblemAsync(first, 503, WeChatProblems.WeChatUnavailable);
        var problem = await MiniProgramTestHost.ProblemAsync(second, 503, WeChatProblems.WeChatUnavailable);
        Assert.Equal(-1, problem.GetProperty("errcode").GetInt32());
        Assert.Equal(1, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task A_client_that_gives_up_mid_exchange_finds_it_finished_when_it_retries()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionDelay = TimeSpan.FromMilliseconds(500);
        var code = host.Fake.Login(User);

        using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Client.PostAsJsonAsync("/signin-wechat-miniprogram", new { code }, giveUp.Token));
        }

        var retry = await host.SignInAsync(code);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(1, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task With_the_window_off_a_repeated_code_is_WeChats_40163_as_a_400()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.RepeatedCodeWindow = TimeSpan.Zero);
        var code = host.Fake.Login(User);

        Assert.Equal(HttpStatusCode.OK, (await host.SignInAsync(code)).StatusCode);
        var problem = await MiniProgramTestHost.ProblemAsync(await host.SignInAsync(code), 400, WeChatProblems.InvalidCode);

        Assert.Equal(40163, problem.GetProperty("errcode").GetInt32());
        Assert.Equal(2, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task After_the_window_the_code_goes_to_WeChat_again_and_is_refused()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var code = host.Fake.Login(User);
        Assert.Equal(HttpStatusCode.OK, (await host.SignInAsync(code)).StatusCode);

        time.Advance(TimeSpan.FromSeconds(31));

        await MiniProgramTestHost.ProblemAsync(await host.SignInAsync(code), 400, WeChatProblems.InvalidCode);
        Assert.Equal(2, host.Fake.SessionRequests);
    }
}
