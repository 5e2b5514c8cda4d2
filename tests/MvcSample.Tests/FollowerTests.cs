using System.Net;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>The sample's follower status: the profile's 关注状态 and <c>GET /api/follower</c>, through the token service.</summary>
public sealed class FollowerTests
{
    [Fact]
    public async Task A_follower_sees_it_on_the_profile_and_gets_subscribe_1_with_the_unionid_from_the_api()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);
        Assert.Contains("已关注公众号 · Follows the official account", html, StringComparison.Ordinal);

        var response = await browser.GetAsync("/api/follower");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("""{"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM","subscribe":1,"unionid":"uEmu_XiaoMing_o6_bmasdasdsad6_2sg"}""", await response.Content.ReadAsStringAsync());

        var emulator = factory.Services.GetRequiredService<WeChatEmulator>();
        Assert.Equal(1, emulator.GetCallCount("/cgi-bin/stable_token"));
        Assert.Equal(2, emulator.GetCallCount("/cgi-bin/user/info"));
    }

    [Fact]
    public async Task A_silent_sign_in_with_the_follower_lookup_on_gets_a_followers_unionid_as_the_name_identifier()
    {
        await using var factory = new SampleFactory();
        factory.Settings["Authentication:WeChat:Scope:0"] = "snsapi_base";
        factory.Settings["Authentication:WeChat:FollowerInformationAccessToken"] = "official-account";
        factory.Settings["Authentication:WeChat:NameIdentifierSource"] = "UnionIdOrOpenId";
        var browser = factory.CreateBrowser();

        // snsapi_base is silent: WeChat redirects straight back, as the user the emulator signs in by default.
        var (_, html) = await SampleFactory.FollowAsync(browser, await SampleFactory.ChallengeAsync(browser));

        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", SampleFactory.Element(html, "openid"));
        Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", SampleFactory.Element(html, "unionid"));
        Assert.Contains("urn:wechat:subscribe", html, StringComparison.Ordinal);
        var emulator = factory.Services.GetRequiredService<WeChatEmulator>();
        Assert.Equal(0, emulator.GetCallCount("/sns/userinfo"));
        Assert.Equal(1, emulator.GetCallCount("/cgi-bin/stable_token"));
    }

    [Fact]
    public async Task A_user_who_does_not_follow_gets_subscribe_0_and_no_unionid()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 1);
        Assert.Contains("未关注公众号", html, StringComparison.Ordinal);

        Assert.Equal("""{"openid":"oEmu_LiLei_9xk2LmQ7vR3sT8uW1yZ4aB","subscribe":0}""", await browser.GetStringAsync("/api/follower"));
    }

    [Theory]
    [InlineData(40164)]
    [InlineData(89503)]
    [InlineData(45009)]
    public async Task When_WeChat_gives_no_token_the_profile_still_renders_and_the_api_answers_503_with_the_errcode_never_the_IP(int errorCode)
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        factory.Services.GetRequiredService<WeChatEmulator>().Options.GlobalTokenErrorCode = errorCode;

        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);
        Assert.Contains($"关注状态未知 · Follower status unknown（errcode {errorCode}）", html, StringComparison.Ordinal);

        var response = await browser.GetAsync("/api/follower");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(errorCode, problem.RootElement.GetProperty("errcode").GetInt32());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("203.0.113.7", body, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.7", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_answers_401_to_an_anonymous_caller_instead_of_redirecting_to_WeChat()
    {
        await using var factory = new SampleFactory();
        var response = await factory.CreateBrowser().GetAsync("/api/follower");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_health_endpoint_reports_whether_a_token_can_be_had()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        await using var failing = new SampleFactory();
        failing.Services.GetRequiredService<WeChatEmulator>().Options.GlobalTokenErrorCode = 40164;
        var unhealthy = await failing.CreateBrowser().GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.DoesNotContain("203.0.113.7", await unhealthy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"subscribe":1,"openid":"oSomeoneElse","unionid":"u1"}""")]
    [InlineData("""{"subscribe":"1","openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"}""")]
    [InlineData("""{"subscribe":2,"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"}""")]
    [InlineData("""not json""")]
    [InlineData("""[1]""")]
    [InlineData("""{"subscribe":1,"openid":"\ud800"}""")]
    [InlineData("""{"subscribe":1,"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM","unionid":"\udc00x"}""")]
    [InlineData("""{"subscribe":1,"openid":"oSomeoneElse","openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM","unionid":"u1"}""")]
    public async Task A_follower_answer_that_is_not_about_this_user_or_not_WeChats_shape_is_not_believed(string answer)
    {
        // A fake WeChat on a port, with the sample pointed at it by environment-style settings, as an outside test would.
        await using var fake = await FakeWeChatApi.StartAsync(answer);
        await using var factory = new SampleFactory();
        factory.Settings["WeChat:AccessToken:StableTokenEndpoint"] = fake.Url + "cgi-bin/stable_token";
        factory.Settings["WeChat:Api:UserInfoEndpoint"] = fake.Url + "cgi-bin/user/info";
        var browser = factory.CreateBrowser();
        var (_, html) = await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);
        Assert.Contains("关注状态未知", html, StringComparison.Ordinal);

        var response = await browser.GetAsync("/api/follower");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("InvalidResponse", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("kind").GetString());
        Assert.True(fake.UserInfoCalls >= 1);
    }

    /// <summary>A WeChat on a real 127.0.0.1 port: a stable token for anyone, and a fixed user/info answer.</summary>
    private sealed class FakeWeChatApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _userInfoCalls;

        private FakeWeChatApi(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public int UserInfoCalls => _userInfoCalls;

        public static async Task<FakeWeChatApi> StartAsync(string userInfoAnswer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            FakeWeChatApi? self = null;
            app.MapPost("/cgi-bin/stable_token", () => Results.Text("""{"access_token":"FAKE_TOKEN_0123456789","expires_in":7200}""", "application/json"));
            app.MapGet("/cgi-bin/user/info", () =>
            {
                Interlocked.Increment(ref self!._userInfoCalls);
                return Results.Text(userInfoAnswer, "text/plain");
            });
            await app.StartAsync();
            self = new FakeWeChatApi(app, app.Urls.First() + "/");
            return self;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
