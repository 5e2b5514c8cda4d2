using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>
/// The sample puts every challenge behind one endpoint, /Account/SignIn, rate-limited per client address: a flood of
/// challenges from one address is answered 429 before it makes the server keep anything, and other users sign in.
/// </summary>
public class SignInRateLimitTests
{
    [Fact]
    public async Task A_flood_of_challenges_from_one_address_gets_429_while_a_real_user_signs_in()
    {
        await using var factory = new SampleFactory { ConfigureTestServices = s => s.AddSingleton<IStartupFilter, ClientAddressFromHeader>() };
        factory.Settings["SignInRateLimit:PermitsPerMinute"] = "20";
        var flooder = factory.CreateBrowser();
        flooder.DefaultRequestHeaders.Add(ClientAddressFromHeader.Header, "203.0.113.66");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < 200; i++)
        {
            var response = await flooder.GetAsync("/Account/SignIn");
            statuses.Add(response.StatusCode);
            rejected ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Redirect));
        Assert.Equal(180, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.NotNull(rejected!.Headers.RetryAfter);
        Assert.Contains("登录请求太频繁", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var user = factory.CreateBrowser();
        user.DefaultRequestHeaders.Add(ClientAddressFromHeader.Header, "198.51.100.7");
        var (url, html) = await SampleFactory.ConsentAsync(user, await SampleFactory.ChallengeAsync(user), user: 0);
        Assert.Equal("/Profile", url.AbsolutePath);
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", SampleFactory.Element(html, "openid"));
    }

    [Fact]
    public async Task Rotating_addresses_within_one_IPv6_network_share_one_limit()
    {
        await using var factory = new SampleFactory { ConfigureTestServices = s => s.AddSingleton<IStartupFilter, ClientAddressFromHeader>() };
        factory.Settings["SignInRateLimit:PermitsPerMinute"] = "20";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            var flooder = factory.CreateBrowser();
            flooder.DefaultRequestHeaders.Add(ClientAddressFromHeader.Header, $"2001:db8:1:2::{i + 1:x}");
            statuses.Add((await flooder.GetAsync("/Account/SignIn")).StatusCode);
        }

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Redirect));
    }

    /// <summary>Stands in for the client address Kestrel (or UseForwardedHeaders behind a proxy) would set.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public const string Header = "X-Test-Client";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
