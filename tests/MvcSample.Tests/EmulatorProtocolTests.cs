using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>
/// The standalone emulator answers like WeChat: HTTP 200 errors, text/plain, single-use codes.
/// </summary>
public sealed class EmulatorProtocolTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient _client = new();

    public async Task InitializeAsync()
    {
        (_app, var address) = await KestrelHosts.StartStandaloneEmulatorAsync();
        _client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app!.DisposeAsync();
    }

    [Fact]
    public async Task A_code_works_once_then_answers_40163_with_HTTP_200_and_text_plain()
    {
        var code = await ConsentAsync("snsapi_userinfo");

        var first = await _client.GetAsync(TokenUrl(code));
        Assert.Equal("text/plain", first.Content.Headers.ContentType!.MediaType);
        using var token = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        Assert.Equal(7200, token.RootElement.GetProperty("expires_in").GetInt32());
        Assert.Equal("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", token.RootElement.GetProperty("openid").GetString());

        var second = await _client.GetAsync(TokenUrl(code));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(40163, await ErrcodeAsync(second));
        Assert.Equal(40029, await ErrcodeAsync(await _client.GetAsync(TokenUrl("0123456789abcdef0123456789abcdef"))));
    }

    [Fact]
    public async Task A_wrong_secret_is_40125()
    {
        var code = await ConsentAsync("snsapi_userinfo");

        Assert.Equal(40125, await ErrcodeAsync(await _client.GetAsync(TokenUrl(code).Replace(KestrelHosts.EmulatorSecret, "wrong", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_base_token_gets_48001_from_userinfo_and_no_unionid()
    {
        var authorize = await _client.GetAsync("/connect/oauth2/authorize" + AuthorizeQuery("snsapi_base"));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var code = Query(authorize.Headers.Location!)["code"];

        using var token = JsonDocument.Parse(await _client.GetStringAsync(TokenUrl(code)));
        Assert.False(token.RootElement.TryGetProperty("unionid", out _));
        var userinfo = await _client.GetAsync($"/sns/userinfo?access_token={Uri.EscapeDataString(token.RootElement.GetProperty("access_token").GetString()!)}&openid={token.RootElement.GetProperty("openid").GetString()}&lang=zh_CN");
        Assert.Equal(48001, await ErrcodeAsync(userinfo));
    }

    [Fact]
    public async Task Refusal_redirects_with_state_and_no_code()
    {
        var consent = await _client.PostAsync("/connect/oauth2/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = AuthorizeQuery("snsapi_userinfo"), ["user"] = "0", ["decision"] = "refuse",
        }));

        Assert.Equal("https://app.example/signin-wechat?state=abc123", consent.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Silent_authorization_with_a_distinct_user_per_code_issues_each_code_to_its_own_user()
    {
        var (app, address) = await KestrelHosts.StartStandaloneEmulatorAsync(o =>
        {
            o.SilentAuthorization = true;
            o.DistinctUserPerCode = true;
        });
        await using var host = app;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        var emulator = app.Services.GetRequiredService<AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator>();

        var openIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var authorize = await client.GetAsync("/connect/oauth2/authorize" + AuthorizeQuery("snsapi_userinfo"));
            Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
            var code = Query(authorize.Headers.Location!)["code"];
            Assert.True(emulator.TryGetCodeUser(code, out var issuedTo));

            using var token = JsonDocument.Parse(await client.GetStringAsync(TokenUrl(code)));
            Assert.Equal(issuedTo.OpenId, token.RootElement.GetProperty("openid").GetString());
            Assert.Equal(issuedTo.UnionId, token.RootElement.GetProperty("unionid").GetString());
            Assert.False(emulator.TryGetCodeUser(code, out _));
            openIds.Add(issuedTo.OpenId);
        }

        Assert.Equal(3, openIds.Distinct().Count());
        Assert.DoesNotContain("oEmu_XiaoMing_6bmasdsad6_2sgVt7hM", openIds);
    }

    [Fact]
    public async Task Used_codes_are_forgotten_once_they_could_no_longer_be_valid_and_not_swept_on_every_exchange()
    {
        var clock = new ManualClock();
        var emulator = new AspNetCore.Authentication.WeChat.Emulator.WeChatEmulator(
            Microsoft.Extensions.Options.Options.Create(new AspNetCore.Authentication.WeChat.Emulator.WeChatEmulatorOptions { AppSecret = "s" }), clock);
        var user = emulator.Options.Users[0];
        async Task<string> Exchange(string code) => (await AspNetCore.Authentication.WeChat.Emulator.Internal.WeChatEmulatorRoutes.SnsAccessToken.Handle(
            emulator,
            new AspNetCore.Authentication.WeChat.Emulator.Internal.WeChatEmulatorRequest { RawQuery = $"?appid={emulator.Options.AppId}&secret=s&code={code}&grant_type=authorization_code" },
            default)).Body!;

        var codes = Enumerable.Range(0, 10_001).Select(_ => emulator.IssueCode(user, "snsapi_base")).ToList();
        foreach (var code in codes)
        {
            await Exchange(code);
        }

        Assert.Contains("40163", await Exchange(codes[0]), StringComparison.Ordinal);

        // Past the code lifetime a sweep forgets them: an old code is now merely invalid.
        clock.Now += emulator.Options.CodeLifetime + TimeSpan.FromMinutes(2);
        await Exchange(emulator.IssueCode(user, "snsapi_base"));
        Assert.Contains("40029", await Exchange(codes[0]), StringComparison.Ordinal);
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private async Task<string> ConsentAsync(string scope)
    {
        var consent = await _client.PostAsync("/connect/oauth2/authorize", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = AuthorizeQuery(scope), ["user"] = "0", ["decision"] = "allow",
        }));
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        var callback = Query(consent.Headers.Location!);
        Assert.Equal("abc123", callback["state"]);
        return callback["code"];
    }

    private static string AuthorizeQuery(string scope)
        => $"?appid=wxe0e0e0e0e0e0e0e0&redirect_uri={Uri.EscapeDataString("https://app.example/signin-wechat")}&response_type=code&scope={scope}&state=abc123";

    private static string TokenUrl(string code)
        => $"/sns/oauth2/access_token?appid=wxe0e0e0e0e0e0e0e0&secret={KestrelHosts.EmulatorSecret}&code={code}&grant_type=authorization_code";

    private static async Task<int> ErrcodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errcode").GetInt32();
    }

    private static Dictionary<string, string> Query(Uri uri)
        => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
