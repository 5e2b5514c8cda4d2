using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests.QrConnect;

/// <summary>
/// An app with both browser sign-ins (official account <c>WeChat</c>, website QR login <c>WeChatQrConnect</c>) and the
/// routing scheme <c>WeChatBrowser</c> in front of them, against <see cref="FakeWeChat"/>; failures of either scheme are
/// captured and answered with a redirect to <c>/failed</c>.
/// </summary>
internal static class QrConnectTestHost
{
    public static Task<WeChatTestHost> StartAsync(
        Action<WeChatQrConnectOptions>? qrConnect = null,
        Action<WeChatAuthenticationOptions>? officialAccount = null,
        Action<WeChatBrowserRoutingOptions>? routing = null,
        Action<WebApplication>? pipeline = null,
        Action<IServiceCollection>? services = null,
        List<Exception>? failures = null,
        FakeWeChat? fake = null)
        => WeChatTestHost.StartAsync(
            o =>
            {
                Capture(o, failures);
                officialAccount?.Invoke(o);
            },
            services,
            pipeline,
            fake,
            authentication: builder => builder
                .AddWeChatQrConnect(o =>
                {
                    o.AppId = FakeWeChat.WebsiteAppId;
                    o.AppSecret = FakeWeChat.WebsiteAppSecret;
                    Capture(o, failures);
                    qrConnect?.Invoke(o);
                })
                .AddWeChatBrowserRouting(routing ?? (_ => { })));

    /// <summary>A complete QR sign-in: challenge, scan and confirm at the fake WeChat, callback.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(WeChatTestHost host, TestBrowser browser, FakeWeChatUser user, string scheme = WeChatQrConnectDefaults.AuthenticationScheme)
    {
        var qrConnect = await WeChatTestHost.ChallengeAsync(browser, "/challenge/" + scheme);
        return await browser.GetAsync(host.Fake.ScanQrCode(qrConnect, user));
    }

    private static void Capture(WeChatOAuthOptions options, List<Exception>? failures)
    {
        if (failures is null)
        {
            return;
        }

        options.Events.OnRemoteFailure = context =>
        {
            lock (failures)
            {
                failures.Add(context.Failure!);
            }

            context.Response.Redirect("/failed");
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }
}
