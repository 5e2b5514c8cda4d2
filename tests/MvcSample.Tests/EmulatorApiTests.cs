using System.Net;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Emulator;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MvcSample.Tests;

/// <summary>
/// The emulator's global token, follower and user-token APIs behave as WeChat documents them, on a clock the test steps.
/// </summary>
public sealed class EmulatorApiTests : IDisposable
{
    // The emulator's own origin, where it answers every call (on api.weixin.qq.com it answers only its own: its AppID,
    // its tokens), so that these tests can send it wrong AppIDs and unknown tokens.
    private const string Api = WeChatEmulatorDefaults.PlaceholderOrigin;
    private const string Secret = "emulator-secret-0123456789";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private readonly WeChatEmulator _emulator;
    private readonly HttpClient _client;

    public EmulatorApiTests()
    {
        _emulator = new WeChatEmulator(Options.Create(new WeChatEmulatorOptions { AppSecret = Secret }), _time);
        _emulator.MarkInUse();
        _client = new HttpClient(new WeChatEmulatorBackchannelHandler(_emulator));
    }

    private string AppId => _emulator.Options.AppId;

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Each_classic_token_call_issues_a_new_token_and_the_previous_one_dies_five_minutes_later()
    {
        var first = await ClassicAsync();
        _time.Advance(TimeSpan.FromMinutes(10));
        var second = await ClassicAsync();
        Assert.NotEqual(first, second);

        Assert.Equal(1, await SubscribeAsync(first));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(40001, await UserInfoErrorAsync(first));
        Assert.Equal(1, await SubscribeAsync(second));
        Assert.Equal(2, _emulator.GetCallCount("/cgi-bin/token"));
    }

    [Fact]
    public async Task A_stable_token_is_the_same_for_every_caller_with_its_remaining_life_and_the_next_one_comes_in_the_last_300_seconds()
    {
        var (first, life) = await StableAsync();
        Assert.Equal(7200, life);
        _time.Advance(TimeSpan.FromSeconds(6000));
        var (again, remaining) = await StableAsync();
        Assert.Equal(first, again);
        Assert.Equal(1200, remaining);

        _time.Advance(TimeSpan.FromSeconds(1000));
        var (next, nextLife) = await StableAsync();
        Assert.NotEqual(first, next);
        Assert.Equal(7200, nextLife);
        // The current one stays valid until it expires.
        Assert.Equal(1, await SubscribeAsync(first));
        _time.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal(42001, await UserInfoErrorAsync(first));
        Assert.Equal(1, await SubscribeAsync(next));
    }

    [Fact]
    public async Task A_forced_stable_token_kills_the_previous_at_once_30_seconds_apart_20_a_day()
    {
        var (leaked, _) = await StableAsync();
        var (forced, _) = await StableAsync(force: true);
        Assert.NotEqual(leaked, forced);
        Assert.Equal(40001, await UserInfoErrorAsync(leaked));

        // Within 30 s WeChat does not refresh: the current token comes back.
        Assert.Equal(forced, (await StableAsync(force: true)).Token);
        for (var i = 1; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            await StableAsync(force: true);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(45009, await ErrorAsync(await PostStableAsync(force: true)));
    }

    [Fact]
    public async Task The_two_token_families_are_isolated()
    {
        var (stable, _) = await StableAsync();
        await ClassicAsync();
        _time.Advance(TimeSpan.FromMinutes(6));
        await ClassicAsync();
        Assert.Equal(1, await SubscribeAsync(stable));
    }

    [Fact]
    public async Task Stable_token_only_takes_POST_JSON_and_checks_the_credentials()
    {
        Assert.Equal(43002, await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/stable_token?grant_type=client_credential&appid={AppId}&secret={Secret}")));
        Assert.Equal(47001, await ErrorAsync(await _client.PostAsync($"{Api}/cgi-bin/stable_token", new StringContent("appid=x"))));
        Assert.Equal(40125, await ErrorAsync(await _client.PostAsync($"{Api}/cgi-bin/stable_token", Json($$"""{"grant_type":"client_credential","appid":"{{AppId}}","secret":"wrong"}"""))));
        Assert.Equal(40013, await ErrorAsync(await _client.PostAsync($"{Api}/cgi-bin/stable_token", Json($$"""{"grant_type":"client_credential","appid":"wx0","secret":"{{Secret}}"}"""))));
        Assert.Equal(40001, await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/token?grant_type=client_credential&appid={AppId}&secret=wrong")));
    }

    [Theory]
    [InlineData(40164)]
    [InlineData(89503)]
    [InlineData(45009)]
    [InlineData(-1)]
    public async Task The_refusal_switches_answer_both_token_APIs(int errorCode)
    {
        _emulator.Options.GlobalTokenErrorCode = errorCode;
        var classic = await _client.GetAsync($"{Api}/cgi-bin/token?grant_type=client_credential&appid={AppId}&secret={Secret}");
        var body = await classic.Content.ReadAsStringAsync();
        Assert.Equal(errorCode, await ErrorAsync(await PostStableAsync(force: false)));
        Assert.Contains($"\"errcode\":{errorCode}", body);
        if (errorCode == 40164)
        {
            Assert.Contains("invalid ip 203.0.113.7", body);
        }

        _emulator.Options.GlobalTokenErrorCode = null;
        Assert.NotEmpty(await ClassicAsync());
    }

    [Fact]
    public async Task The_classic_daily_quota_ends_in_45009_and_starts_again_the_next_day()
    {
        _emulator.Options.ClassicTokenDailyQuota = 3;
        for (var i = 0; i < 3; i++)
        {
            await ClassicAsync();
        }

        Assert.Equal(45009, await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/token?grant_type=client_credential&appid={AppId}&secret={Secret}")));
        _time.Advance(TimeSpan.FromDays(1));
        Assert.NotEmpty(await ClassicAsync());
    }

    [Fact]
    public async Task User_info_gives_a_follower_subscribe_1_and_the_unionid_and_anyone_else_subscribe_0_only()
    {
        var token = await ClassicAsync();
        using (var follower = JsonDocument.Parse(await _client.GetStringAsync($"{Api}/cgi-bin/user/info?access_token={token}&openid=oEmu_XiaoMing_6bmasdsad6_2sgVt7hM&lang=zh_CN")))
        {
            Assert.Equal(1, follower.RootElement.GetProperty("subscribe").GetInt32());
            Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", follower.RootElement.GetProperty("unionid").GetString());
            Assert.Equal("", follower.RootElement.GetProperty("nickname").GetString());
        }

        using (var other = JsonDocument.Parse(await _client.GetStringAsync($"{Api}/cgi-bin/user/info?access_token={token}&openid=oEmu_LiLei_9xk2LmQ7vR3sT8uW1yZ4aB")))
        {
            Assert.Equal(["subscribe", "openid", "tagid_list"], other.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(0, other.RootElement.GetProperty("subscribe").GetInt32());
        }

        Assert.Equal(40003, await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/user/info?access_token={token}&openid=oNobody")));
        Assert.Equal(41001, await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/user/info?openid=oNobody")));
        Assert.Equal(4, _emulator.GetCallCount("/cgi-bin/user/info"));
    }

    [Fact]
    public async Task A_refresh_token_renews_a_valid_user_token_as_the_same_string_and_an_expired_one_as_a_new_one()
    {
        var (accessToken, refreshToken, openId) = await SignInAsync();
        _time.Advance(TimeSpan.FromHours(1));
        using (var renewed = JsonDocument.Parse(await _client.GetStringAsync(RefreshUrl(refreshToken))))
        {
            Assert.Equal(accessToken, renewed.RootElement.GetProperty("access_token").GetString());
            Assert.Equal(7200, renewed.RootElement.GetProperty("expires_in").GetInt32());
            Assert.Equal(openId, renewed.RootElement.GetProperty("openid").GetString());
        }

        // Extended: valid 7,200 s from the refresh, beyond the original expiry.
        _time.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(0, await ErrorAsync(await _client.GetAsync($"{Api}/sns/auth?access_token={accessToken}&openid={openId}")));
        Assert.Equal(40003, await ErrorAsync(await _client.GetAsync($"{Api}/sns/auth?access_token={accessToken}&openid=oSomeoneElse")));

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(42001, await ErrorAsync(await _client.GetAsync($"{Api}/sns/auth?access_token={accessToken}&openid={openId}")));
        using (var fresh = JsonDocument.Parse(await _client.GetStringAsync(RefreshUrl(refreshToken))))
        {
            var newToken = fresh.RootElement.GetProperty("access_token").GetString();
            Assert.NotEqual(accessToken, newToken);
            Assert.Equal(0, await ErrorAsync(await _client.GetAsync($"{Api}/sns/auth?access_token={newToken}&openid={openId}")));
        }

        Assert.Equal(40030, await ErrorAsync(await _client.GetAsync(RefreshUrl("unknown"))));
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(42002, await ErrorAsync(await _client.GetAsync(RefreshUrl(refreshToken))));
        Assert.Equal(40014, await ErrorAsync(await _client.GetAsync($"{Api}/sns/auth?access_token=unknown&openid={openId}")));
    }

    private string RefreshUrl(string refreshToken) => $"{Api}/sns/oauth2/refresh_token?appid={AppId}&grant_type=refresh_token&refresh_token={refreshToken}";

    private async Task<(string AccessToken, string RefreshToken, string OpenId)> SignInAsync()
    {
        var code = _emulator.IssueCode(_emulator.Options.Users[0], "snsapi_userinfo");
        using var token = JsonDocument.Parse(await _client.GetStringAsync($"{Api}/sns/oauth2/access_token?appid={AppId}&secret={Secret}&code={code}&grant_type=authorization_code"));
        var root = token.RootElement;
        return (root.GetProperty("access_token").GetString()!, root.GetProperty("refresh_token").GetString()!, root.GetProperty("openid").GetString()!);
    }

    private async Task<string> ClassicAsync()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync($"{Api}/cgi-bin/token?grant_type=client_credential&appid={AppId}&secret={Secret}"));
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<(string Token, int ExpiresIn)> StableAsync(bool force = false)
    {
        using var json = JsonDocument.Parse(await (await PostStableAsync(force)).Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("access_token").GetString()!, json.RootElement.GetProperty("expires_in").GetInt32());
    }

    private Task<HttpResponseMessage> PostStableAsync(bool force)
        => _client.PostAsync($"{Api}/cgi-bin/stable_token", Json($$"""{"grant_type":"client_credential","appid":"{{AppId}}","secret":"{{Secret}}","force_refresh":{{(force ? "true" : "false")}}}"""));

    private async Task<int> SubscribeAsync(string token)
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync($"{Api}/cgi-bin/user/info?access_token={token}&openid=oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"));
        return json.RootElement.GetProperty("subscribe").GetInt32();
    }

    private async Task<int> UserInfoErrorAsync(string token)
        => await ErrorAsync(await _client.GetAsync($"{Api}/cgi-bin/user/info?access_token={token}&openid=oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"));

    private static async Task<int> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
