using System.Net;
using System.Security.Claims;
using System.Text;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// How the handler meets WeChat's failures: errcode in HTTP 200, gateway pages, bad bodies, timeouts.
/// </summary>
public class WeChatErrorTests
{
    [Theory]
    [InlineData(40029, "invalid code", "invalid or has expired")]
    [InlineData(40163, "code been used", "already used")]
    [InlineData(40125, "invalid appsecret", "'AppSecret'")]
    [InlineData(40013, "invalid appid", "'AppId'")]
    [InlineData(-1, "system error", "busy")]
    [InlineData(45011, "api minute-quota reach limit", "rate limit")]
    [InlineData(99999, "something new", "documentation")]
    public async Task Token_errcode_fails_with_the_code_its_meaning_and_a_log_line(int errcode, string errmsg, string explanation)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Error(errcode, errmsg) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Equal(errcode, failure.ErrorCode);
        Assert.StartsWith(errmsg, failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(errcode, failure.Data["errcode"]);
        Assert.Contains($"errcode {errcode} ({errmsg}", failure.Message, StringComparison.Ordinal);
        Assert.Contains(explanation, failure.Message, StringComparison.Ordinal);
        Assert.Contains("token endpoint", failure.Message, StringComparison.Ordinal);
        var log = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatErrorCode");
        Assert.Equal(1008, log.EventId.Id);
        Assert.Contains("ErrorCode=" + errcode, log.State, StringComparison.Ordinal);
        Assert.Equal(0, fake.UserInfoRequests);
    }

    [Fact]
    public async Task A_real_used_code_is_40163()
    {
        await using var host = await WeChatTestHost.StartAsync();
        var browser = host.CreateBrowser();
        var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var code = WeChatTestHost.Query(new Uri(callbackUrl))["code"];
        await browser.GetAsync(callbackUrl);

        // The same code under a fresh state: WeChat, not our state store, refuses it.
        var second = host.CreateBrowser();
        var state = WeChatTestHost.Query(await WeChatTestHost.ChallengeAsync(second))["state"];
        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => second.GetAsync($"/signin-wechat?code={code}&state={state}"));

        Assert.Equal(40163, Assert.IsType<WeChatAuthenticationException>(exception.InnerException).ErrorCode);
    }

    [Theory]
    [InlineData(48001, "api unauthorized")]
    [InlineData(40003, "invalid openid")]
    [InlineData(42001, "access_token expired")]
    public async Task Userinfo_errcode_fails_the_same_way(int errcode, string errmsg)
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Error(errcode, errmsg) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Equal(errcode, failure.ErrorCode);
        Assert.Contains("user information endpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Userinfo_failure_keeps_the_authentication_properties_for_OnRemoteFailure()
    {
        AuthenticationProperties? properties = null;
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Error(-1, "system error") };
        await using var host = await WeChatTestHost.StartAsync(o => o.Events.OnRemoteFailure = context =>
        {
            properties = context.Properties;
            context.Response.Redirect("/error");
            context.HandleResponse();
            return Task.CompletedTask;
        }, fake: fake);

        var callback = await host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Alice);

        Assert.Equal("/error", callback.Headers.Location!.OriginalString);
        Assert.Equal(WeChatTestHost.ReturnUrl, properties!.RedirectUri);
    }

    [Fact]
    public async Task A_profile_of_another_user_stops_the_sign_in()
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Json("""{"openid":"oSomeoneElse","nickname":"Mallory"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("openid is not the token's", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTML_502_page_is_a_clear_failure()
    {
        var fake = new FakeWeChat
        {
            TokenResponse = () => FakeWeChat.Json("<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", "text/html", HttpStatusCode.BadGateway),
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Null(failure.ErrorCode);
        Assert.Contains("HTTP 502", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTML_page_with_status_200_is_not_json()
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json("<html>busy</html>", "text/html") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("not JSON", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"access_token":"ACCESS_1","openid":""")]
    [InlineData("")]
    [InlineData("[1,2,3]")]
    [InlineData("""{"errcode":"x"}""")]
    public async Task A_malformed_body_is_a_clear_failure(string body)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(body) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Null(failure.ErrorCode);
        Assert.Contains("token endpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_success_without_access_token_or_openid_is_a_clear_failure()
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json("""{"expires_in":7200,"openid":"o1"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("without an access_token", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_body_is_refused(bool withContentLength)
    {
        var fake = new FakeWeChat
        {
            TokenResponse = () =>
            {
                var body = "{\"pad\":\"" + new string('x', 200_000) + "\"}";
                var content = withContentLength
                    ? (HttpContent)new StringContent(body)
                    : new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(body)));
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            },
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("more than 64 KiB", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_WeChat_fails_after_BackchannelTimeout()
    {
        var fake = new FakeWeChat { TokenDelay = TimeSpan.FromSeconds(30) };
        await using var host = await WeChatTestHost.StartAsync(o => o.BackchannelTimeout = TimeSpan.FromMilliseconds(300), fake: fake);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("did not answer within 0.3 seconds (BackchannelTimeout)", failure.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), "the sign-in must not wait for WeChat beyond the timeout");
    }

    [Fact]
    public async Task An_unreachable_WeChat_is_a_clear_failure()
    {
        var fake = new FakeWeChat { TokenResponse = () => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.weixin.qq.com:443)") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host);

        Assert.Contains("could not be reached (ConnectionError)", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json; encoding=utf-8")]
    [InlineData("text/html; charset=gbk")]
    [InlineData("application/octet-stream")]
    public async Task Json_is_read_as_utf8_whatever_the_content_type(string contentType)
    {
        var fake = new FakeWeChat { ContentType = contentType };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal("小明😀<b>", (await WeChatTestHost.GetMeAsync(browser)).Find(ClaimTypes.Name));
    }

    [Fact]
    public async Task Raw_control_characters_and_escaped_slashes_are_tolerated()
    {
        var fake = new FakeWeChat
        {
            UserInfoResponse = () => FakeWeChat.Json("{\"openid\":\"oAlice_6_bmasdasdsad6_2sgVt7hM\",\"nickname\":\"A\",\"sex\":0,\"province\":\"\n61.151.217.158\",\"city\":\"\b\",\"country\":\"\",\"headimgurl\":\"http:\\/\\/wx.qlogo.cn\\/mmopen\\/x\\/0\",\"privilege\":[]}"),
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("http://wx.qlogo.cn/mmopen/x/0", me.Find(WeChatClaimTypes.HeadImageUrl));
        Assert.Equal(" 61.151.217.158", me.Find(ClaimTypes.StateOrProvince));
    }

    [Fact]
    public async Task Success_bodies_with_errcode_0_are_successes()
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        fake.UserInfoResponse = () => FakeWeChat.Json("""{"errcode":0,"errmsg":"ok","openid":"oAlice_6_bmasdasdsad6_2sgVt7hM","nickname":"Zero"}""");
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal("Zero", (await WeChatTestHost.GetMeAsync(browser)).Find(ClaimTypes.Name));
    }

    private static async Task<WeChatAuthenticationException> SignInExpectingFailureAsync(WeChatTestHost host)
    {
        // Unhandled remote failures surface as ASP.NET Core's AuthenticationFailureException around ours.
        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Alice));
        return Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
