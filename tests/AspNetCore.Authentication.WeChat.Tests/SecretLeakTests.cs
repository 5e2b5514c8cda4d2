using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// The AppSecret, access tokens and refresh tokens must never reach a log line (at any level, any category,
/// including HttpClient's), an exception message, or the browser.
/// </summary>
public class SecretLeakTests
{
    public static TheoryData<string> Scenarios =>
    [
        "success", "success-base", "token-errcode", "userinfo-errcode", "http-502", "malformed", "timeout", "replay", "missing-correlation",
    ];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task No_secret_is_logged_thrown_or_sent_to_the_browser(string scenario)
    {
        var fake = new FakeWeChat();
        var seenByBrowser = new List<string>();
        var failures = new List<Exception>();
        await using var host = await WeChatTestHost.StartAsync(o =>
        {
            o.SaveTokens = true;
            o.BackchannelTimeout = TimeSpan.FromMilliseconds(300);
            if (scenario == "success-base")
            {
                o.Scope.Add(WeChatAuthenticationDefaults.BaseScope);
            }

            o.Events.OnRemoteFailure = context =>
            {
                failures.Add(context.Failure!);
                context.Response.StatusCode = 400;
                context.HandleResponse();
                return context.Response.WriteAsync("Sign-in failed: " + context.Failure!.Message);
            };
        }, fake: fake);

        switch (scenario)
        {
            case "token-errcode":
                fake.TokenResponse = () => FakeWeChat.Error(40125, "invalid appsecret");
                break;
            case "userinfo-errcode":
                fake.UserInfoResponse = () => FakeWeChat.Error(42001, "access_token expired");
                break;
            case "http-502":
                fake.UserInfoResponse = () => FakeWeChat.Json("<html>502</html>", "text/html", HttpStatusCode.BadGateway);
                break;
            case "malformed":
                fake.UserInfoResponse = () => FakeWeChat.Json("{\"openid\":");
                break;
            case "timeout":
                fake.TokenDelay = TimeSpan.FromSeconds(10);
                break;
        }

        var browser = host.CreateBrowser();
        var challenge = await browser.GetAsync("/challenge");
        seenByBrowser.Add(await Describe(challenge));
        var callbackUrl = fake.Authorize(challenge.Headers.Location!, FakeWeChatUser.Alice);
        if (scenario == "missing-correlation")
        {
            browser.DeleteCookies(_ => true);
        }

        var callback = await browser.GetAsync(callbackUrl);
        seenByBrowser.Add(await Describe(callback));
        if (scenario == "replay")
        {
            seenByBrowser.Add(await Describe(await host.CreateBrowser().GetAsync(callbackUrl)));
        }

        seenByBrowser.Add(await Describe(await browser.GetAsync("/")));

        var secrets = fake.IssuedSecrets.Append(FakeWeChat.AppSecret).ToList();
        if (scenario is "success" or "success-base" or "userinfo-errcode" or "http-502" or "malformed")
        {
            Assert.NotEmpty(fake.IssuedSecrets); // the tokens were issued, so the checks below mean something
        }

        var logs = host.Logs.AllText;
        Assert.NotEmpty(host.Logs.Entries);
        // The backchannel is not request-logged at all (its URLs carry the secret and tokens).
        Assert.DoesNotContain(host.Logs.Entries, e => e.Category.StartsWith("System.Net.Http.HttpClient." + WeChatAuthenticationDefaults.HttpClientName, StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(secret), logs, StringComparison.Ordinal);
            foreach (var page in seenByBrowser)
            {
                Assert.DoesNotContain(secret, page, StringComparison.Ordinal);
            }

            foreach (var failure in failures)
            {
                Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal);
            }
        }
    }

    private static async Task<string> Describe(HttpResponseMessage response)
        => $"{(int)response.StatusCode} {response.Headers} {response.Content.Headers} {await response.Content.ReadAsStringAsync()}";
}
