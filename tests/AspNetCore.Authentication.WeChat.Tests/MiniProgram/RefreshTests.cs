using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

public class RefreshTests
{
    private static readonly FakeMiniProgramUser User = new("oMpRefresh_0123456789abcdefg", "uMpRefresh_0123456789abcdefg");

    private static Task<HttpResponseMessage> RefreshAsync(MiniProgramTestHost host, string refreshToken)
        => host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken });

    [Fact]
    public async Task A_refresh_token_gives_new_tokens_for_the_same_user()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        var response = await RefreshAsync(host, tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var renewed = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
        Assert.NotEqual(tokens.RefreshToken, renewed.RefreshToken);
        var me = await host.MeAsync(renewed.AccessToken);
        Assert.Equal(User.OpenId, me[WeChatClaimTypes.OpenId]);
        Assert.Equal(FakeMiniProgramWeChat.AppId, me[WeChatClaimTypes.AppId]);
        Assert.Equal(1, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task A_refresh_token_works_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(host, tokens.RefreshToken)).StatusCode);

        var replay = await RefreshAsync(host, tokens.RefreshToken);

        await MiniProgramTestHost.ProblemAsync(replay, 401, WeChatProblems.InvalidRefreshToken);
        Assert.Contains("invalid_token", replay.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_refreshes_with_one_token_renew_it_once()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => RefreshAsync(host, tokens.RefreshToken)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task An_expired_refresh_token_is_401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MiniProgramTestHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var tokens = await host.SignInAsync(User);

        time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));

        await MiniProgramTestHost.ProblemAsync(await RefreshAsync(host, tokens.RefreshToken), 401, WeChatProblems.InvalidRefreshToken);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1305 && e.Message.Contains("expired", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("access-token")]
    [InlineData("garbage")]
    public async Task A_tampered_or_foreign_token_is_401(string kind)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var token = kind switch
        {
            "tampered" => tokens.RefreshToken[..^4] + (tokens.RefreshToken[^4] == 'A' ? "B" : "A") + tokens.RefreshToken[^3..],
            // An access token is protected for another purpose: it is no refresh token.
            "access-token" => tokens.AccessToken,
            _ => "not-a-token",
        };

        await MiniProgramTestHost.ProblemAsync(await RefreshAsync(host, token), 401, WeChatProblems.InvalidRefreshToken);
    }

    [Fact]
    public async Task The_refreshing_event_can_revoke_the_session()
    {
        var revoked = new HashSet<string> { User.OpenId };
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnRefreshing = context =>
        {
            if (revoked.Contains(context.Principal.FindFirst(WeChatClaimTypes.OpenId)!.Value))
            {
                context.Reject();
            }

            return Task.CompletedTask;
        });
        var tokens = await host.SignInAsync(User);

        await MiniProgramTestHost.ProblemAsync(await RefreshAsync(host, tokens.RefreshToken), 401, WeChatProblems.InvalidRefreshToken);
    }

    [Fact]
    public async Task A_principal_replaced_by_the_app_gets_the_claims_refresh_needs()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            context.Principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                [new System.Security.Claims.Claim(WeChatClaimTypes.OpenId, context.OpenId), new System.Security.Claims.Claim("account", "42")], "custom"));
            return Task.CompletedTask;
        });
        var tokens = await host.SignInAsync(User);

        var response = await RefreshAsync(host, tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await host.MeAsync((await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!.AccessToken);
        Assert.Equal("42", me["account"]);
        Assert.Equal(FakeMiniProgramWeChat.AppId, me[WeChatClaimTypes.AppId]);
        Assert.EndsWith(".1", me[WeChatClaimTypes.MiniProgramSession], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refresh_token_of_another_mini_program_on_the_same_scheme_is_401()
    {
        // Two mini-programs may share the bearer scheme; a sign-in of the other one carries the other AppID.
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            var identity = (System.Security.Claims.ClaimsIdentity)context.Principal.Identity!;
            identity.RemoveClaim(identity.FindFirst(WeChatClaimTypes.AppId));
            identity.AddClaim(new System.Security.Claims.Claim(WeChatClaimTypes.AppId, "wxother0000000000"));
            return Task.CompletedTask;
        });
        var tokens = await host.SignInAsync(User);

        await MiniProgramTestHost.ProblemAsync(await RefreshAsync(host, tokens.RefreshToken), 401, WeChatProblems.InvalidRefreshToken);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1305 && e.Message.Contains("not of this mini-program", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_chain_of_refreshes_keeps_one_record_per_session()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var token = (await host.SignInAsync(User)).RefreshToken;
        var first = token;
        for (var i = 0; i < 50; i++)
        {
            var response = await RefreshAsync(host, token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            token = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!.RefreshToken;
        }

        // Neither the first token nor the one before the newest renews the session any more.
        await MiniProgramTestHost.ProblemAsync(await RefreshAsync(host, first), 401, WeChatProblems.InvalidRefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(host, token)).StatusCode);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"refreshToken":42}""")]
    [InlineData("nope")]
    public async Task A_malformed_refresh_request_is_400(string body)
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram/refresh", new StringContent(body, Encoding.UTF8, "application/json"));

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidRequest);
    }
}
