using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

public class MiniProgramSignInTests
{
    private static readonly FakeMiniProgramUser XiaoMing = new("oMpXiaoMing_0123456789abcdef", "uXiaoMing_0123456789abcdefgh");
    private static readonly FakeMiniProgramUser LiLei = new("oMpLiLei_0123456789abcdefghi");

    [Fact]
    public async Task A_code_signs_the_user_in_with_the_frameworks_bearer_tokens()
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.SignInAsync(host.Fake.Login(XiaoMing));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["tokenType", "accessToken", "expiresIn", "refreshToken"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Bearer", json.RootElement.GetProperty("tokenType").GetString());
        Assert.Equal(3600, json.RootElement.GetProperty("expiresIn").GetInt64());
        var me = await host.MeAsync(json.RootElement.GetProperty("accessToken").GetString()!);
        Assert.Equal(XiaoMing.OpenId, me[WeChatClaimTypes.OpenId]);
        Assert.Equal(1, host.Fake.SessionRequests);
        Assert.Empty(host.Fake.UnexpectedRequests);
        // A token response is never cached (RFC 6749 §5.1).
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("no-cache", response.Headers.Pragma.ToString());
    }

    [Fact]
    public async Task Failures_and_refreshes_are_not_cached_either()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(XiaoMing);

        var refreshed = await host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken = tokens.RefreshToken });
        var failed = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        Assert.True(refreshed.Headers.CacheControl?.NoStore);
        Assert.True(failed.Headers.CacheControl?.NoStore);
    }

    [Theory]
    [InlineData(ClaimTypes.NameIdentifier, "oMpXiaoMing_0123456789abcdef")]
    [InlineData(WeChatClaimTypes.OpenId, "oMpXiaoMing_0123456789abcdef")]
    [InlineData(WeChatClaimTypes.UnionId, "uXiaoMing_0123456789abcdefgh")]
    [InlineData(WeChatClaimTypes.AppId, FakeMiniProgramWeChat.AppId)]
    public async Task The_principal_carries_the_WeChat_claims(string claimType, string value)
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var me = await host.MeAsync((await host.SignInAsync(XiaoMing)).AccessToken);

        Assert.Equal(value, me[claimType]);
    }

    [Theory]
    [InlineData(WeChatNameIdentifierSource.OpenId, "oMpXiaoMing_0123456789abcdef", "oMpLiLei_0123456789abcdefghi")]
    [InlineData(WeChatNameIdentifierSource.UnionId, "uXiaoMing_0123456789abcdefgh", null)]
    [InlineData(WeChatNameIdentifierSource.UnionIdOrOpenId, "uXiaoMing_0123456789abcdefgh", "oMpLiLei_0123456789abcdefghi")]
    public async Task The_name_identifier_comes_from_the_configured_id(WeChatNameIdentifierSource source, string withUnionId, string? withoutUnionId)
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.NameIdentifierSource = source);

        Assert.Equal(withUnionId, (await host.MeAsync((await host.SignInAsync(XiaoMing)).AccessToken))[ClaimTypes.NameIdentifier]);
        var response = await host.SignInAsync(host.Fake.Login(LiLei));
        if (withoutUnionId is null)
        {
            var problem = await MiniProgramTestHost.ProblemAsync(response, 403, WeChatProblems.UnionIdMissing);
            Assert.Equal("UnionIdMissing", problem.GetProperty("kind").GetString());
        }
        else
        {
            var tokens = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
            Assert.Equal(withoutUnionId, (await host.MeAsync(tokens.AccessToken))[ClaimTypes.NameIdentifier]);
            Assert.False((await host.MeAsync(tokens.AccessToken)).ContainsKey(WeChatClaimTypes.UnionId));
        }
    }

    [Fact]
    public async Task The_signing_in_event_maps_the_user_to_the_apps_account()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            Assert.Equal(XiaoMing.OpenId, context.OpenId);
            Assert.Equal(XiaoMing.UnionId, context.UnionId);
            Assert.False(context.IsRepeatedCode);
            ((ClaimsIdentity)context.Principal.Identity!).AddClaim(new Claim("account", "42"));
            return Task.CompletedTask;
        });

        Assert.Equal("42", (await host.MeAsync((await host.SignInAsync(XiaoMing)).AccessToken))["account"]);
    }

    [Fact]
    public async Task The_signing_in_event_can_reject_a_user_with_403()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.Events.OnSigningIn = context =>
        {
            context.Reject();
            return Task.CompletedTask;
        });

        var response = await host.SignInAsync(host.Fake.Login(XiaoMing));

        var problem = await MiniProgramTestHost.ProblemAsync(response, 403, WeChatProblems.SignInRejected);
        Assert.Equal("Rejected", problem.GetProperty("kind").GetString());
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1301 && e.Message.Contains("OnSigningIn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_sign_in_scheme_such_as_a_cookie_works_too()
    {
        await using var host = await MiniProgramTestHost.StartAsync(
            o => o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme,
            authentication: auth => auth.AddCookie());

        var response = await host.SignInAsync(host.Fake.Login(XiaoMing));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Cookies=", StringComparison.Ordinal));
        // Refresh tokens are the bearer scheme's; a cookie renews itself.
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken = "x" })).StatusCode);
    }

    [Fact]
    public async Task Two_hundred_concurrent_sign_ins_each_end_as_their_own_user()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var users = Enumerable.Range(0, 200).Select(i => new FakeMiniProgramUser($"oMpLoad{i:D21}", $"uMpLoad{i:D21}")).ToArray();
        var codes = users.Select(u => host.Fake.Login(u)).ToArray();

        var results = await Task.WhenAll(users.Select(async (user, i) =>
        {
            var response = await host.SignInAsync(codes[i]);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var tokens = (await response.Content.ReadFromJsonAsync<MiniProgramTestHost.BearerTokens>())!;
            return (user, me: await host.MeAsync(tokens.AccessToken));
        }));

        Assert.All(results, r =>
        {
            Assert.Equal(r.user.OpenId, r.me[WeChatClaimTypes.OpenId]);
            Assert.Equal(r.user.UnionId, r.me[WeChatClaimTypes.UnionId]);
        });
        Assert.Equal(200, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task Without_an_AppId_the_app_does_not_start_and_names_the_setting()
    {
        var failure = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => MiniProgramTestHost.StartAsync(o => o.AppId = ""));

        Assert.Contains("'AppId'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication:WeChatMiniProgram:AppId", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_scheme_that_is_not_registered_stops_the_app_at_start_up()
    {
        var failure = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => MiniProgramTestHost.StartAsync(o => o.SignInScheme = "Nope"));

        Assert.Contains("'SignInScheme'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Nope", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RepeatedCodeWindow")]
    [InlineData("BackchannelTimeout")]
    [InlineData("SessionEndpoint")]
    public async Task Invalid_options_stop_the_app_naming_the_setting(string option)
    {
        var failure = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => MiniProgramTestHost.StartAsync(o =>
        {
            switch (option)
            {
                case "RepeatedCodeWindow": o.RepeatedCodeWindow = TimeSpan.FromMinutes(6); break;
                case "BackchannelTimeout": o.BackchannelTimeout = TimeSpan.Zero; break;
                default: o.SessionEndpoint = "/relative"; break;
            }
        }));

        Assert.Contains($"'{option}'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_the_same_mini_program_twice_is_refused()
    {
        var services = new ServiceCollection();
        var auth = services.AddAuthentication().AddWeChatMiniProgram(_ => { });

        Assert.Throws<InvalidOperationException>(() => auth.AddWeChatMiniProgram(_ => { }));
        auth.AddWeChatMiniProgram("second", _ => { });
    }
}
