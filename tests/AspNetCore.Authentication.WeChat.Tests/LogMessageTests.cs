using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// Every log event of the handler, provoked for real: its id, name, level and the exact sentence a developer reads.
/// </summary>
public class LogMessageTests
{
    public static TheoryData<string, int, LogLevel, string> Events => new()
    {
        { "WeChatStateStoreUnavailableAtChallenge", 1001, LogLevel.Error, "The WeChat sign-in state could not be stored, so the challenge was answered with 503 Service Unavailable. Check the IDistributedCache (e.g. Redis)." },
        { "WeChatStateStoreUnavailableAtCallback", 1002, LogLevel.Error, "The WeChat sign-in state could not be read or updated, so the callback failed. Check the IDistributedCache (e.g. Redis)." },
        { "WeChatStateMalformed", 1003, LogLevel.Information, "The WeChat callback's state is missing or not of the form WeChat echoes back." },
        { "WeChatStateNotFound", 1004, LogLevel.Information, "The WeChat callback's state is unknown: it expired, was never issued, or the state store lost it." },
        { "WeChatStateAlreadyUsed", 1005, LogLevel.Information, "The WeChat callback's state was already used by another browser or session." },
        { "WeChatDuplicateCallback", 1006, LogLevel.Information, "A repeated WeChat callback for a sign-in this browser already completed was sent on to its return URL without exchanging the code again." },
        { "WeChatCorrelationCookieMissing", 1007, LogLevel.Warning, "The WeChat callback arrived without its correlation cookie ('.AspNetCore.Correlation.' and the sign-in's nonce, which is not logged: with it and the callback URL anyone could finish the sign-in). The browser that began the sign-in did not send it back: WeChat's in-app browser sometimes drops cookies, the link may have been opened in another browser, or the cookie was blocked (SameSite or Secure settings)." },
        { "WeChatErrorCode", 1008, LogLevel.Warning, "WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token) returned errcode 40029 (invalid code, rid: 645ca8fe-448ccd42-1a78a4b0)." },
        { "WeChatRequestFailed", 1009, LogLevel.Warning, "Calling WeChat failed: WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token) answered HTTP 502 (BadGateway) instead of a WeChat response; WeChat may be unavailable." },
        { "WeChatUserInfoSkipped", 1010, LogLevel.Debug, "The user granted only snsapi_base, so WeChat's user information endpoint is not called." },
        { "WeChatSnapshotUserWithoutProfile", 1011, LogLevel.Information, "WeChat refused the profile of a snapshot-page user (errcode 48001); the sign-in continues with the token response's identity." },
        { "WeChatStateCompletionNotRecorded", 1012, LogLevel.Warning, "The WeChat sign-in ended (SignedIn), but the state store could not record it; a repeated callback from this browser waits for it and then shows the 'expired or already used' error." },
        { "WeChatUnionIdRequired", 1013, LogLevel.Warning, "WeChat returned no unionid for this user, so the sign-in failed: the 'NameIdentifierSource' option is UnionId. A unionid needs the official account bound to a WeChat Open Platform account and the snsapi_userinfo scope; UnionIdOrOpenId falls back to the openid." },
        { "WeChatChallengeTooLarge", 1014, LogLevel.Warning, "A WeChat challenge was refused with 400 Bad Request: its return URL (3001 characters, at most 2048) or its properties (3010 characters, at most 4096) are too long to keep for every pending sign-in." },
        { "WeChatStateSingleUsePerInstance", 1015, LogLevel.Warning, "WeChat sign-in states are kept in the app's IDistributedCache (AspNetCore.Authentication.WeChat.Tests.Infrastructure.RecordingDistributedCache), but no shared IWeChatAtomicStore is registered, so each state's single use is enforced within this instance only. In a web farm, register one (AddWeChatStackExchangeRedis from AspNetCore.Authentication.WeChat.StackExchangeRedis), or two instances may both exchange a code for one state." },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public async Task Each_event_reads_as_written(string name, int id, LogLevel level, string message)
    {
        var logs = await ProvokeAsync(name);

        var entry = Assert.Single(logs.Entries, e => e.EventId.Name == name);
        Assert.Equal(id, entry.EventId.Id);
        Assert.Equal(level, entry.Level);
        Assert.Equal(typeof(WeChatAuthenticationHandler).FullName, entry.Category);
        // The correlation id is random; everything else is exact.
        Assert.Equal(message, System.Text.RegularExpressions.Regex.Replace(entry.Message, @"Correlation\.[A-Za-z0-9_-]+'", "Correlation.{id}'"));
    }

    private static async Task<CapturingLoggerProvider> ProvokeAsync(string name)
    {
        var cache = new RecordingDistributedCache();
        var fake = new FakeWeChat();
        var user = FakeWeChatUser.Alice;
        var sets = 0;
        Action<WeChatAuthenticationOptions>? configure = null;
        Action<IServiceCollection>? services = s => s.AddSingleton<IDistributedCache>(cache);
        switch (name)
        {
            case "WeChatErrorCode":
                fake.TokenResponse = () => FakeWeChat.Error(40029, "invalid code");
                break;
            case "WeChatRequestFailed":
                fake.TokenResponse = () => FakeWeChat.Json("<html>502</html>", "text/html", HttpStatusCode.BadGateway);
                break;
            case "WeChatUserInfoSkipped":
                configure = o => o.Scope.Add(WeChatAuthenticationDefaults.BaseScope);
                break;
            case "WeChatSnapshotUserWithoutProfile":
                user = FakeWeChatUser.Snapshot;
                break;
            case "WeChatStateCompletionNotRecorded":
                cache.FailWhen = op => op == "set" && Interlocked.Increment(ref sets) == 2;
                break;
            case "WeChatUnionIdRequired":
                configure = o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId;
                user = FakeWeChatUser.Bob;
                break;
            case "WeChatStateSingleUsePerInstance":
                break;
            default:
                services = null;
                break;
        }

        await using var host = await WeChatTestHost.StartAsync(configure, services, fake: fake, pipeline: app =>
            Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/big", (HttpContext context) => context.ChallengeAsync(
                WeChatAuthenticationDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = "/" + new string('r', 3000) })));
        var browser = host.CreateBrowser();
        switch (name)
        {
            case "WeChatStateStoreUnavailableAtChallenge":
                await using (var failing = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(new RecordingDistributedCache { Fail = true })))
                {
                    await failing.CreateBrowser().GetAsync("/challenge");
                    return failing.Logs;
                }

            case "WeChatStateStoreUnavailableAtCallback":
                await using (var failing = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache)))
                {
                    var failingBrowser = failing.CreateBrowser();
                    var callbackUrl = failing.Fake.Authorize(await WeChatTestHost.ChallengeAsync(failingBrowser), user);
                    cache.Fail = true;
                    await IgnoreFailureAsync(failingBrowser.GetAsync(callbackUrl));
                    return failing.Logs;
                }

            case "WeChatStateMalformed":
                await IgnoreFailureAsync(browser.GetAsync("/signin-wechat?code=x&state=not-ours!"));
                break;
            case "WeChatStateNotFound":
                await IgnoreFailureAsync(browser.GetAsync("/signin-wechat?code=x&state=AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH"));
                break;
            case "WeChatStateAlreadyUsed":
            {
                var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), user);
                await browser.GetAsync(callbackUrl);
                await IgnoreFailureAsync(host.CreateBrowser().GetAsync(callbackUrl));
                break;
            }

            case "WeChatDuplicateCallback":
            {
                var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), user);
                await browser.GetAsync(callbackUrl);
                await browser.GetAsync(callbackUrl);
                break;
            }

            case "WeChatCorrelationCookieMissing":
            {
                var callbackUrl = host.Fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), user);
                await IgnoreFailureAsync(host.CreateBrowser().GetAsync(callbackUrl));
                break;
            }

            case "WeChatChallengeTooLarge":
                await browser.GetAsync("/big");
                break;
            case "WeChatStateSingleUsePerInstance":
                break;
            default:
                await IgnoreFailureAsync(host.SignInAsync(browser, user));
                break;
        }

        return host.Logs;
    }

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (AuthenticationFailureException)
        {
        }
    }
}
