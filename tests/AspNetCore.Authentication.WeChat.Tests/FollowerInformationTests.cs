using System.Net;
using System.Security.Claims;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// <see cref="WeChatAuthenticationOptions.FollowerInformationAccessToken"/>: after the code exchange the handler asks
/// <c>cgi-bin/user/info</c>, with the account's global token through the passive-refresh handler, whether the user
/// follows the account, and takes a follower's unionid, which a silent snsapi_base sign-in does not get.
/// </summary>
public sealed class FollowerInformationTests
{
    private const string TokenName = "official-account";

    [Fact]
    public async Task A_silent_sign_in_of_a_follower_gets_the_unionid_and_subscribe_claims()
    {
        var fake = new FollowerFake();
        await using var host = await StartAsync(fake, o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionIdOrOpenId);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(FakeWeChatUser.Alice.UnionId, me.Find(WeChatClaimTypes.UnionId));
        Assert.Equal(FakeWeChatUser.Alice.UnionId, me.Find(ClaimTypes.NameIdentifier));
        Assert.Equal("1", me.Find(WeChatClaimTypes.Subscribe));
        Assert.Equal(0, host.Fake.UserInfoRequests);
        var lookup = Assert.Single(host.Fake.Requests, r => r.AbsolutePath == "/cgi-bin/user/info");
        Assert.Contains("access_token=GLOBAL_1", lookup.Query, StringComparison.Ordinal);
        Assert.Contains($"openid={FakeWeChatUser.Alice.OpenId}", lookup.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("GLOBAL_1", host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_who_does_not_follow_gets_subscribe_0_and_no_unionid()
    {
        var fake = new FollowerFake { Follows = false };
        await using var host = await StartAsync(fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("0", me.Find(WeChatClaimTypes.Subscribe));
        Assert.Null(me.Find(WeChatClaimTypes.UnionId));
        Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(ClaimTypes.NameIdentifier));
    }

    [Theory]
    [InlineData("""{"errcode":-1,"errmsg":"system error"}""")]
    [InlineData("""{"errcode":48001,"errmsg":"api unauthorized"}""")]
    [InlineData("""{"subscribe":1,"openid":"oSomeoneElse_00000000000000","unionid":"uSomeoneElse"}""")]
    [InlineData("""{"subscribe":"1","openid":"OPENID","unionid":"uStringSubscribe"}""")]
    [InlineData("""{"subscribe":1,"openid":"OPENID","unionid":["uArray"]}""")]
    [InlineData("""not json""")]
    public async Task A_lookup_that_fails_or_is_not_believed_leaves_the_sign_in_without_follower_claims(string answer)
    {
        var fake = new FollowerFake { UserInfo = answer.Replace("OPENID", FakeWeChatUser.Alice.OpenId, StringComparison.Ordinal) };
        await using var host = await StartAsync(fake);
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal(WeChatTestHost.ReturnUrl, callback.Headers.Location!.OriginalString);
        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(FakeWeChatUser.Alice.OpenId, me.Find(ClaimTypes.NameIdentifier));
        Assert.Null(me.Find(WeChatClaimTypes.Subscribe));
        Assert.Null(me.Find(WeChatClaimTypes.UnionId));
        var warning = Assert.Single(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(1016, warning.EventId.Id);
    }

    [Fact]
    public async Task When_the_unionid_is_required_a_failed_lookup_fails_the_sign_in_with_its_kind()
    {
        var fake = new FollowerFake { UserInfo = """{"errcode":-1,"errmsg":"system error"}""" };
        await using var host = await StartAsync(fake, o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId);
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.NotEqual(WeChatTestHost.ReturnUrl, callback.Headers.Location?.OriginalString);
        var failure = Assert.IsType<WeChatAuthenticationException>(fake.Failures.Single());
        Assert.Equal(WeChatFailureKind.WeChatBusy, failure.Kind);
        Assert.Equal(-1, failure.ErrorCode);
    }

    [Fact]
    public async Task A_follower_unionid_that_differs_from_the_sign_ins_stops_the_sign_in()
    {
        var fake = new FollowerFake { UserInfo = $$"""{"subscribe":1,"openid":"{{FakeWeChatUser.Alice.OpenId}}","unionid":"uVictim_0000000000000000"}""" };
        await using var host = await StartAsync(fake, o =>
        {
            o.Scope.Clear();
            o.Scope.Add(WeChatAuthenticationDefaults.UserInfoScope);
        });
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var failure = Assert.IsType<WeChatAuthenticationException>(fake.Failures.Single());
        Assert.Equal(WeChatFailureKind.InvalidResponse, failure.Kind);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task A_rejected_global_token_is_replaced_once_and_the_lookup_repeated()
    {
        var fake = new FollowerFake { RejectFirstGlobalToken = true };
        await using var host = await StartAsync(fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("1", me.Find(WeChatClaimTypes.Subscribe));
        Assert.Equal(2, host.Fake.Requests.Count(r => r.AbsolutePath == "/cgi-bin/stable_token"));
        Assert.Equal(2, host.Fake.Requests.Count(r => r.AbsolutePath == "/cgi-bin/user/info"));
    }

    [Fact]
    public async Task A_profile_cannot_claim_that_the_user_follows_the_account()
    {
        var fake = new FakeWeChat
        {
            UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{FakeWeChatUser.Alice.OpenId}}","nickname":"Alice","subscribe":1}"""),
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Null((await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.Subscribe));
    }

    [Fact]
    public async Task An_unregistered_access_token_name_stops_the_app_at_start_naming_the_setting()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => WeChatTestHost.StartAsync(o => o.FollowerInformationAccessToken = "missing"));

        Assert.Contains("'FollowerInformationAccessToken' option names the access token 'missing'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_apps_access_token_stops_the_app_at_start()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => WeChatTestHost.StartAsync(
            o => o.FollowerInformationAccessToken = TokenName,
            s => s.AddWeChatAccessToken(TokenName, t =>
            {
                t.AppId = "wx0000000000000000";
                t.AppSecret = "another apps secret";
            })));

        Assert.Contains("openids are per app", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another apps secret", failure.Message, StringComparison.Ordinal);
    }

    private static Task<WeChatTestHost> StartAsync(FollowerFake fake, Action<WeChatAuthenticationOptions>? configure = null)
        => WeChatTestHost.StartAsync(
            o =>
            {
                o.Scope.Add(WeChatAuthenticationDefaults.BaseScope);
                o.FollowerInformationAccessToken = TokenName;
                o.Events.OnRemoteFailure = context =>
                {
                    fake.Failures.Enqueue(context.Failure!);
                    context.Response.Redirect("/error");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
                configure?.Invoke(o);
            },
            services =>
            {
                services.AddWeChatAccessToken(TokenName, t =>
                {
                    t.AppId = FakeWeChat.AppId;
                    t.AppSecret = FakeWeChat.AppSecret;
                });
                services.AddHttpClient(AspNetCore.Authentication.WeChat.Internal.WeChatBackchannel.ApiClientName(TokenName)).ConfigurePrimaryHttpMessageHandler(() => fake.WeChat);
            },
            fake: fake.WeChat);

    /// <summary>The fake WeChat with the global token and follower APIs.</summary>
    private sealed class FollowerFake
    {
        private int _issued;

        public FollowerFake()
            => WeChat = new FakeWeChat { OtherApis = Answer };

        public FakeWeChat WeChat { get; }

        public System.Collections.Concurrent.ConcurrentQueue<Exception> Failures { get; } = new();

        public bool Follows { get; init; } = true;

        public bool RejectFirstGlobalToken { get; init; }

        /// <summary>When set, the body of every cgi-bin/user/info answer.</summary>
        public string? UserInfo { get; init; }

        private HttpResponseMessage? Answer(HttpRequestMessage request)
        {
            var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.RequestUri!.Query);
            switch (request.RequestUri!.AbsolutePath)
            {
                case "/cgi-bin/stable_token" when request.Method == HttpMethod.Post:
                    return FakeWeChat.Json(JsonSerializer.Serialize(new { access_token = "GLOBAL_" + Interlocked.Increment(ref _issued), expires_in = 7200 }), "application/json; charset=utf-8");
                case "/cgi-bin/user/info":
                    if (RejectFirstGlobalToken && query["access_token"] == "GLOBAL_1")
                    {
                        return FakeWeChat.Error(40001, "invalid credential, access_token is invalid or not latest");
                    }

                    if (UserInfo is not null)
                    {
                        return FakeWeChat.Json(UserInfo);
                    }

                    var openId = query["openid"].ToString();
                    return FakeWeChat.Json(Follows
                        ? JsonSerializer.Serialize(new { subscribe = 1, openid = openId, nickname = "", unionid = FakeWeChatUser.Alice.UnionId, tagid_list = Array.Empty<int>() })
                        : JsonSerializer.Serialize(new { subscribe = 0, openid = openId, tagid_list = Array.Empty<int>() }));
                default:
                    return null;
            }
        }
    }
}
