using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// Every way a sign-in fails has a machine-readable kind, so that an app can show its own words; the errcode travels
/// along where WeChat sent one. All of them are WeChatExceptions, catchable in one place.
/// </summary>
public class FailureKindTests
{
    [Theory]
    [InlineData(-1, WeChatFailureKind.WeChatBusy)]
    [InlineData(40029, WeChatFailureKind.InvalidCode)]
    [InlineData(40163, WeChatFailureKind.InvalidCode)]
    [InlineData(42003, WeChatFailureKind.InvalidCode)]
    [InlineData(45011, WeChatFailureKind.RateLimited)]
    [InlineData(45009, WeChatFailureKind.RateLimited)]
    [InlineData(40013, WeChatFailureKind.ConfigurationError)]
    [InlineData(40125, WeChatFailureKind.ConfigurationError)]
    [InlineData(41004, WeChatFailureKind.ConfigurationError)]
    [InlineData(40164, WeChatFailureKind.IpAddressNotAllowed)]
    [InlineData(89503, WeChatFailureKind.IpAddressNotAllowed)]
    [InlineData(89507, WeChatFailureKind.IpAddressNotAllowed)]
    [InlineData(99999, WeChatFailureKind.WeChatError)]
    public async Task A_token_errcode_has_its_kind_and_the_call_that_failed_inside(int errcode, WeChatFailureKind kind)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Error(errcode, "some errmsg") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await FailAsync(host);

        Assert.Equal(kind, failure.Kind);
        Assert.Equal(errcode, failure.ErrorCode);
        Assert.Equal(kind, WeChatErrorCodes.KindOf(errcode));
        var call = Assert.IsType<WeChatApiException>(failure.InnerException);
        Assert.Equal("WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token)", call.Api);
        Assert.Equal(errcode, call.ErrorCode);
        Assert.Equal(failure.Message, call.Message);
    }

    public static TheoryData<string, WeChatFailureKind> Scenarios => new()
    {
        { "http-502", WeChatFailureKind.WeChatUnavailable },
        { "unreachable", WeChatFailureKind.WeChatUnavailable },
        { "timeout", WeChatFailureKind.WeChatTimeout },
        { "not-json", WeChatFailureKind.InvalidResponse },
        { "another-users-profile", WeChatFailureKind.InvalidResponse },
        { "userinfo-48001", WeChatFailureKind.ConfigurationError },
        { "no-unionid", WeChatFailureKind.UnionIdMissing },
        { "expired-state", WeChatFailureKind.StateExpired },
        { "replayed", WeChatFailureKind.StateExpired },
        { "no-correlation-cookie", WeChatFailureKind.CorrelationCookieMissing },
        { "state-store-down", WeChatFailureKind.StateStoreUnavailable },
        { "refused", WeChatFailureKind.AccessDenied },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Every_failure_has_its_kind(string scenario, WeChatFailureKind kind)
    {
        var fake = new FakeWeChat();
        var cache = new RecordingDistributedCache();
        Exception? seen = null;
        await using var host = await WeChatTestHost.StartAsync(
            o =>
            {
                o.BackchannelTimeout = TimeSpan.FromMilliseconds(300);
                o.NameIdentifierSource = scenario == "no-unionid" ? WeChatNameIdentifierSource.UnionId : WeChatNameIdentifierSource.OpenId;
                o.Events.OnRemoteFailure = context =>
                {
                    seen = context.Failure;
                    context.Response.Redirect("/failed");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            },
            services: s => s.AddSingleton<IDistributedCache>(cache),
            fake: fake);
        switch (scenario)
        {
            case "http-502":
                fake.TokenResponse = () => FakeWeChat.Json("<html>502</html>", "text/html", HttpStatusCode.BadGateway);
                break;
            case "unreachable":
                fake.TokenResponse = () => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused");
                break;
            case "timeout":
                fake.TokenDelay = TimeSpan.FromSeconds(5);
                break;
            case "not-json":
                fake.TokenResponse = () => FakeWeChat.Json("<html>busy</html>", "text/html");
                break;
            case "another-users-profile":
                fake.UserInfoResponse = () => FakeWeChat.Json("""{"openid":"oSomeoneElse","nickname":"Mallory"}""");
                break;
            case "userinfo-48001":
                fake.UserInfoResponse = () => FakeWeChat.Error(48001, "api unauthorized");
                break;
        }

        var browser = host.CreateBrowser();
        var authorize = await WeChatTestHost.ChallengeAsync(browser);
        var callbackUrl = scenario == "refused" ? FakeWeChat.Refuse(authorize) : fake.Authorize(authorize, scenario == "no-unionid" ? FakeWeChatUser.Bob : FakeWeChatUser.Alice);
        switch (scenario)
        {
            case "expired-state":
                await cache.RemoveAsync(Assert.Single(cache.Sets).Key);
                break;
            case "replayed":
                await browser.GetAsync(callbackUrl);
                browser = host.CreateBrowser();
                break;
            case "no-correlation-cookie":
                browser = host.CreateBrowser();
                break;
            case "state-store-down":
                cache.Fail = true;
                break;
        }

        var response = await browser.GetAsync(callbackUrl);

        Assert.Equal("/failed", response.Headers.Location!.OriginalString);
        var failure = Assert.IsAssignableFrom<WeChatException>(seen);
        Assert.IsType<WeChatAuthenticationException>(failure);
        Assert.Equal(kind, failure.Kind);
    }

    private static async Task<WeChatAuthenticationException> FailAsync(WeChatTestHost host)
    {
        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Alice));
        return Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
    }
}
