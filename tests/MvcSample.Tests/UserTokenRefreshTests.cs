using System.Net;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MvcSample.Tests;

/// <summary>
/// The sample's cookie renews the user's own WeChat tokens (Authentication:WeChat:SaveTokens=true) through the
/// package's user-token service and the emulator's <c>sns/oauth2/refresh_token</c>, across a simulated month.
/// </summary>
public sealed class UserTokenRefreshTests
{
    // From the real now: Data Protection's key ring (for the cookie) is made on the real clock, and must not be newer than the fake one.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Saved_tokens_are_renewed_before_they_expire_and_a_dead_refresh_token_signs_the_user_out()
    {
        await using var factory = Factory(saveTokens: true);
        var emulator = factory.Services.GetRequiredService<WeChatEmulator>();
        var browser = factory.CreateBrowser();
        await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        // An hour in: the token has an hour left, nothing to do.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", await OpenIdOnProfileAsync(browser));
        Assert.Equal(0, emulator.GetCallCount("/sns/oauth2/refresh_token"));

        // Four minutes before the two hours are up: renewed once, and the renewed token is kept in the cookie.
        _time.Advance(TimeSpan.FromMinutes(56));
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", await OpenIdOnProfileAsync(browser));
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", await OpenIdOnProfileAsync(browser));
        Assert.Equal(1, emulator.GetCallCount("/sns/oauth2/refresh_token"));

        // Every three days (the cookie lives fourteen) the expired token is renewed, until the refresh token's 30 days
        // from the authorization are up: WeChat answers 42002, and the user is signed out to sign in again.
        var renewals = 1;
        for (var day = 3; day < 30; day += 3)
        {
            _time.Advance(TimeSpan.FromDays(3));
            Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", await OpenIdOnProfileAsync(browser));
            Assert.Equal(++renewals, emulator.GetCallCount("/sns/oauth2/refresh_token"));
        }

        _time.Advance(TimeSpan.FromDays(3));
        var profile = await browser.GetAsync("/Profile");

        Assert.Equal(HttpStatusCode.Redirect, profile.StatusCode);
        Assert.StartsWith("/Account/SignIn", profile.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(renewals + 1, emulator.GetCallCount("/sns/oauth2/refresh_token"));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Profile")).StatusCode);
    }

    [Fact]
    public async Task Without_saved_tokens_nothing_is_renewed()
    {
        await using var factory = Factory(saveTokens: false);
        var browser = factory.CreateBrowser();
        await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        _time.Advance(TimeSpan.FromHours(3));

        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", await OpenIdOnProfileAsync(browser));
        Assert.Equal(0, factory.Services.GetRequiredService<WeChatEmulator>().GetCallCount("/sns/oauth2/refresh_token"));
    }

    private SampleFactory Factory(bool saveTokens)
    {
        var factory = new SampleFactory { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(_time) };
        factory.Settings["Authentication:WeChat:SaveTokens"] = saveTokens ? "true" : "false";
        return factory;
    }

    private static async Task<string?> OpenIdOnProfileAsync(HttpClient browser)
    {
        var response = await browser.GetAsync("/Profile");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return SampleFactory.Element(await response.Content.ReadAsStringAsync(), "openid");
    }
}
