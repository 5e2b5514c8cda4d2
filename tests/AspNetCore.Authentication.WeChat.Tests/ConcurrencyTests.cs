using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task Concurrent_sign_ins_each_end_as_their_own_user()
    {
        await using var host = await WeChatTestHost.StartAsync();
        const int users = 100;

        // Every browser starts its challenge before any callback, so all states are pending at once.
        var browsers = Enumerable.Range(0, users).Select(_ => host.CreateBrowser()).ToArray();
        var authorizeUrls = await Task.WhenAll(browsers.Select(b => WeChatTestHost.ChallengeAsync(b)));
        var callbacks = authorizeUrls.Select((url, i) => host.Fake.Authorize(url, FakeWeChatUser.Numbered(i))).ToArray();

        await Task.WhenAll(browsers.Select((b, i) => b.GetAsync(callbacks[i])));
        var identities = await Task.WhenAll(browsers.Select(WeChatTestHost.GetMeAsync));

        for (var i = 0; i < users; i++)
        {
            var expected = FakeWeChatUser.Numbered(i);
            Assert.Equal(expected.OpenId, identities[i].Find(ClaimTypes.NameIdentifier));
            Assert.Equal(expected.Nickname, identities[i].Find(ClaimTypes.Name));
            Assert.Equal(expected.UnionId, identities[i].Find(WeChatClaimTypes.UnionId));
        }

        Assert.Equal(users, host.Fake.TokenRequests);
    }
}
