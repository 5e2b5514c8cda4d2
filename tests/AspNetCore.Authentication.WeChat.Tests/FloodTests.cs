using System.Net;
using System.Security.Claims;
using AspNetCore.Authentication.WeChat.Internal;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// Every anonymous challenge makes the server keep a pending sign-in. A flood of them must neither grow memory
/// without bound nor push out the pending sign-ins of real users who are at WeChat right now.
/// </summary>
public class FloodTests(ITestOutputHelper output)
{
    private const int Flood = 5_000;
    private const string Attacker = "203.0.113.66";
    private const string RealUser = "198.51.100.7";

    [Fact]
    public async Task A_real_sign_in_started_before_or_during_a_flood_of_challenges_still_completes()
    {
        // An app that registered a size-limited memory cache: flooded, its compaction dropped real users' states.
        await using var host = await StartAsync(services: s => s.AddDistributedMemoryCache(o => o.SizeLimit = 512 * 1024));

        var (completedBefore, completedDuring) = await SignInAroundAFloodAsync(host);

        Assert.True(completedBefore, "the sign-in begun before the flood failed");
        Assert.True(completedDuring, "the sign-in begun during the flood failed");
    }

    [Fact]
    public async Task When_the_store_is_full_the_flooding_address_loses_its_own_oldest_entries()
    {
        var store = new MemoryWeChatStateStore(TimeProvider.System, maxBytes: 512 * 1024);
        await using var host = await StartAsync(services: s => s.AddSingleton<WeChatStateStore>(store));

        var (completedBefore, completedDuring) = await SignInAroundAFloodAsync(host);

        Assert.True(completedBefore, "the sign-in begun before the flood failed");
        Assert.True(completedDuring, "the sign-in begun during the flood failed");
        Assert.InRange(store.Bytes, 400 * 1024, 512 * 1024);
        output.WriteLine($"{Flood} flood challenges into a store of 512 KiB: it holds {store.Count} entries, {store.Bytes} bytes; the real users' sign-ins completed");
    }

    [Fact]
    public async Task Long_return_urls_fill_the_store_by_their_size_not_by_their_number()
    {
        var store = new MemoryWeChatStateStore(TimeProvider.System, maxBytes: 1024 * 1024);
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<WeChatStateStore>(store), pipeline: app =>
            app.MapGet("/go", (HttpContext context, string to) => context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = to })));
        var longest = "/" + new string('a', 2047);

        for (var i = 0; i < 1000; i += 50)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.CreateBrowser().GetAsync("/go?to=" + longest)));
        }

        Assert.InRange(store.Bytes, 0, 1024 * 1024);
        Assert.InRange(store.Count, 150, 300); // about 4.5 KB each: the in-process store keeps the properties unprotected
        output.WriteLine($"1,000 challenges with 2,048-character return URLs into 1 MiB: {store.Count} entries of about {store.Bytes / store.Count} bytes");
    }

    [Fact]
    public async Task A_challenge_that_makes_its_return_url_from_a_long_request_is_refused_with_400_too()
    {
        var cache = new RecordingDistributedCache();
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache));

        // An anonymous request to a protected page: the return URL is the request's own path and query.
        var response = await host.CreateBrowser().GetAsync("/me?q=" + new string('a', 7_000));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(cache.Sets);
    }

    [Theory]
    [InlineData(7_000, 0)]
    [InlineData(100, 5_000)]
    public async Task An_absurd_challenge_is_refused_with_400_and_nothing_is_stored(int returnUrlLength, int itemLength)
    {
        var cache = new RecordingDistributedCache();
        await using var host = await WeChatTestHost.StartAsync(services: s => s.AddSingleton<IDistributedCache>(cache), pipeline: app =>
            app.MapGet("/big", (HttpContext context) => context.ChallengeAsync(WeChatAuthenticationDefaults.AuthenticationScheme, new Microsoft.AspNetCore.Authentication.AuthenticationProperties(
                new Dictionary<string, string?> { ["app:data"] = new string('d', itemLength) }) { RedirectUri = "/" + new string('r', returnUrlLength) })));

        var response = await host.CreateBrowser().GetAsync("/big");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Empty(cache.Sets);
        var log = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatChallengeTooLarge");
        Assert.Contains("at most 2048", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_entries_are_swept_and_never_returned()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemoryWeChatStateStore(time, maxBytes: 10 * MemoryWeChatStateStore.SizeOf("a", Entry));
        var entry = Entry;
        await store.AddAsync("a", entry, TimeSpan.FromMinutes(15), "1.1.1.1", default);

        time.Advance(TimeSpan.FromMinutes(16));

        Assert.Null(await store.GetAsync("a", default));
        Assert.False(await store.TryClaimAsync("a", [1], TimeSpan.FromMinutes(1), default));
        await store.AddAsync("b", entry, TimeSpan.FromMinutes(15), "1.1.1.1", default);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task The_address_holding_most_entries_is_evicted_first_whatever_the_age_of_others()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemoryWeChatStateStore(time, maxBytes: 10 * MemoryWeChatStateStore.SizeOf("flood-00", Entry));
        var entry = Entry;
        await store.AddAsync("old-user", entry, TimeSpan.FromMinutes(15), RealUser, default);
        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await store.AddAsync($"flood-{i:D2}", entry, TimeSpan.FromMinutes(15), Attacker, default);
        }

        await store.AddAsync("new-user", entry, TimeSpan.FromMinutes(15), "192.0.2.1", default);

        Assert.Equal(10, store.Count);
        Assert.NotNull(await store.GetAsync("old-user", default));
        Assert.NotNull(await store.GetAsync("new-user", default));
        Assert.NotNull(await store.GetAsync("flood-99", default));
        Assert.Null(await store.GetAsync("flood-00", default));
    }

    [Fact]
    public async Task When_every_address_holds_as_much_the_oldest_entry_goes_not_the_newest()
    {
        // A flood from as many networks as the store holds entries: each holds one, as the real user does.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MemoryWeChatStateStore(time, maxBytes: 10 * MemoryWeChatStateStore.SizeOf("flood-00", Entry));
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await store.AddAsync($"flood-{i:D2}", Entry, TimeSpan.FromMinutes(15), ClientPartition.Of(IPAddress.Parse($"2001:db8:0:{i:x}::1")), default);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        await store.AddAsync("realuser", Entry, TimeSpan.FromMinutes(15), RealUser, default);
        time.Advance(TimeSpan.FromSeconds(1));
        await store.AddAsync("flood-10", Entry, TimeSpan.FromMinutes(15), ClientPartition.Of(IPAddress.Parse("2001:db8:0:a::1")), default);

        Assert.NotNull(await store.GetAsync("realuser", default));
        Assert.Null(await store.GetAsync("flood-00", default));
        Assert.Null(await store.GetAsync("flood-01", default));
    }

    [Fact]
    public async Task Recording_an_outcome_never_makes_the_state_disappear_to_a_concurrent_reader()
    {
        // A duplicate callback polls for the winner's outcome; finding no state in between would fail it as expired.
        // The store asks its clock for the time at every step, so a clock that reads the state each time sees every
        // moment a reader could.
        var clock = new ReadingClock();
        var store = new MemoryWeChatStateStore(clock);
        clock.Store = store;
        await store.AddAsync("state", Entry, TimeSpan.FromMinutes(15), RealUser, default);
        clock.Reading = true;

        await store.SetOutcomeAsync("state", Entry with { Outcome = WeChatStateOutcome.SignedIn }, TimeSpan.FromMinutes(15), default);

        Assert.True(clock.Reads > 0);
        Assert.Equal(0, clock.Missing);
        Assert.Equal(WeChatStateOutcome.SignedIn, (await store.GetAsync("state", default))!.Outcome);
    }

    private sealed class ReadingClock : TimeProvider
    {
        private bool _inRead;

        public MemoryWeChatStateStore? Store { get; set; }

        public bool Reading { get; set; }

        public int Reads { get; private set; }

        public int Missing { get; private set; }

        public override DateTimeOffset GetUtcNow()
        {
            if (Reading && !_inRead)
            {
                _inRead = true;
                Reads++;
                Missing += Store!.GetAsync("state", default).Result is null ? 1 : 0;
                _inRead = false;
            }

            return DateTimeOffset.UnixEpoch.AddYears(56);
        }
    }

    private static WeChatStateEntry Entry { get; } = new() { Properties = "p", CorrelationId = "c" };

    [Fact]
    public void IPv6_addresses_share_a_partition_per_64_bit_network()
    {
        Assert.Equal(ClientPartition.Of(IPAddress.Parse("2001:db8:1:2::1")), ClientPartition.Of(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.NotEqual(ClientPartition.Of(IPAddress.Parse("2001:db8:1:2::1")), ClientPartition.Of(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("203.0.113.66", ClientPartition.Of(IPAddress.Parse("::ffff:203.0.113.66")));
        Assert.Equal("", ClientPartition.Of(null));
    }

    private static async Task<(bool Before, bool During)> SignInAroundAFloodAsync(WeChatTestHost host)
    {
        var before = host.CreateBrowser();
        var beforeAuthorize = await ChallengeFromAsync(before, RealUser);

        var during = host.CreateBrowser();
        Uri? duringAuthorize = null;
        for (var i = 0; i < Flood; i += 100)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ChallengeFromAsync(host.CreateBrowser(), Attacker)));
            if (i == Flood / 2)
            {
                duringAuthorize = await ChallengeFromAsync(during, "198.51.100.8");
            }
        }

        return (await CompletesAsync(host, before, beforeAuthorize, FakeWeChatUser.Alice), await CompletesAsync(host, during, duringAuthorize!, FakeWeChatUser.Bob));
    }

    private static async Task<Uri> ChallengeFromAsync(TestBrowser browser, string address)
    {
        var response = await browser.GetAsync("/challenge", r => r.Headers.Add("X-Test-Client", address));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    private static async Task<bool> CompletesAsync(WeChatTestHost host, TestBrowser browser, Uri authorize, FakeWeChatUser user)
    {
        try
        {
            var callback = await browser.GetAsync(host.Fake.Authorize(authorize, user));
            return callback.Headers.Location?.OriginalString == WeChatTestHost.ReturnUrl
                   && (await WeChatTestHost.GetMeAsync(browser)).Find(ClaimTypes.NameIdentifier) == user.OpenId;
        }
        catch (Microsoft.AspNetCore.Authentication.AuthenticationFailureException)
        {
            return false;
        }
    }

    private static Task<WeChatTestHost> StartAsync(Action<IServiceCollection>? services = null)
        => WeChatTestHost.StartAsync(services: services, pipeline: app => app.Use((context, next) =>
        {
            // Stands in for the client address Kestrel (or UseForwardedHeaders behind a proxy) would set.
            if (context.Request.Headers.TryGetValue("X-Test-Client", out var address))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
            }

            return next(context);
        }));
}
