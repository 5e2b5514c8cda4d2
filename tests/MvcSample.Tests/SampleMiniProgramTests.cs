using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace MvcSample.Tests;

/// <summary>The sample's mini-program contract, through HTTP, against the emulator's mini-program.</summary>
public class SampleMiniProgramTests
{
    private static WeChatEmulator Emulator(SampleFactory factory) => factory.Services.GetRequiredService<WeChatEmulator>();

    private static async Task<JsonElement> SignInAsync(HttpClient client, string code)
    {
        var response = await client.PostAsJsonAsync("/signin-wechat-miniprogram", new { code });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_mini_program_signs_in_with_a_code_and_api_me_answers_its_user()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var xiaoMing = Emulator(factory).Options.Users[0];

        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(xiaoMing));

        Assert.Equal(["tokenType", "accessToken", "expiresIn", "refreshToken"], tokens.EnumerateObject().Select(p => p.Name));
        var me = await SendAsync(client, HttpMethod.Get, "/api/me", tokens.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        using var json = JsonDocument.Parse(await me.Content.ReadAsStringAsync());
        Assert.Equal(
            new Dictionary<string, string> { ["openid"] = xiaoMing.MiniProgramOpenId, ["unionid"] = xiaoMing.UnionId!, ["appid"] = Emulator(factory).Options.MiniProgramAppId, ["app"] = "miniProgram" },
            json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }

    [Fact]
    public async Task A_user_without_unionid_has_none_in_api_me()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var liLei = Emulator(factory).Options.Users[1];

        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(liLei));
        var me = await (await SendAsync(client, HttpMethod.Get, "/api/me", tokens.GetProperty("accessToken").GetString())).Content.ReadFromJsonAsync<Dictionary<string, string>>();

        Assert.Equal(liLei.MiniProgramOpenId, me!["openid"]);
        Assert.False(me.ContainsKey("unionid"));
        Assert.False(me.ContainsKey("nickname"));
    }

    [Fact]
    public async Task Api_me_answers_the_web_sign_ins_cookie_too()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        var authorize = await SampleFactory.ChallengeAsync(browser);
        await SampleFactory.ConsentAsync(browser, authorize, user: 0);

        var me = await browser.GetFromJsonAsync<Dictionary<string, string>>("/api/me");

        Assert.Equal(Emulator(factory).Options.Users[0].OpenId, me!["openid"]);
        Assert.Equal(Emulator(factory).Options.Users[0].Nickname, me["nickname"]);
        Assert.Equal(Emulator(factory).Options.AppId, me["appid"]);
        Assert.Equal("officialAccount", me["app"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    public async Task Api_me_answers_401_to_anonymous_callers_not_a_redirect(string? accessToken)
    {
        await using var factory = new SampleFactory();

        var response = await SendAsync(factory.CreateBrowser(), HttpMethod.Get, "/api/me", accessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_bearer_token_is_judged_alone_even_beside_another_users_cookie()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);
        var liLei = Emulator(factory).Options.Users[1];
        var tokens = await SignInAsync(factory.CreateBrowser(), Emulator(factory).IssueMiniProgramCode(liLei));

        var me = await (await SendAsync(browser, HttpMethod.Get, "/api/me", tokens.GetProperty("accessToken").GetString())).Content.ReadFromJsonAsync<Dictionary<string, string>>();
        var bad = await SendAsync(browser, HttpMethod.Get, "/api/me", "forged");

        Assert.Equal(liLei.MiniProgramOpenId, me!["openid"]);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
    }

    [Fact]
    public async Task Refresh_gives_new_tokens_once()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(Emulator(factory).Options.Users[0]));
        var refreshToken = tokens.GetProperty("refreshToken").GetString();

        var renewed = await client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken });
        var replayed = await client.PostAsJsonAsync("/signin-wechat-miniprogram/refresh", new { refreshToken });

        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("application/problem+json", replayed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Open_data_decrypts_after_the_watermark_check()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var xiaoMing = Emulator(factory).Options.Users[0];
        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(xiaoMing));
        var data = Emulator(factory).EncryptUserInfo(xiaoMing);

        var response = await SendAsync(client, HttpMethod.Post, "/api/miniprogram/decrypt", tokens.GetProperty("accessToken").GetString(), new { encryptedData = data.EncryptedData, iv = data.Iv });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(xiaoMing.Nickname, json.RootElement.GetProperty("nickName").GetString());
        Assert.Equal(Emulator(factory).Options.MiniProgramAppId, json.RootElement.GetProperty("watermark").GetProperty("appid").GetString());
    }

    [Fact]
    public async Task Open_data_of_another_session_is_a_400_problem()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var (xiaoMing, liLei) = (Emulator(factory).Options.Users[0], Emulator(factory).Options.Users[1]);
        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(xiaoMing));
        Emulator(factory).IssueMiniProgramCode(liLei);
        var someoneElses = Emulator(factory).EncryptUserInfo(liLei);

        var response = await SendAsync(client, HttpMethod.Post, "/api/miniprogram/decrypt", tokens.GetProperty("accessToken").GetString(), new { encryptedData = someoneElses.EncryptedData, iv = someoneElses.Iv });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(WeChatProblems.InvalidOpenData, json.RootElement.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("text/plain", """{"encryptedData":"a","iv":"b"}""", 415)]
    [InlineData("application/json", "nope", 400)]
    [InlineData("application/json", """{"iv":"b"}""", 400)]
    public async Task A_malformed_decrypt_request_is_refused(string contentType, string body, int status)
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(Emulator(factory).Options.Users[0]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/miniprogram/decrypt") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());

        var response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task The_phone_endpoint_answers_the_users_number()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var xiaoMing = Emulator(factory).Options.Users[0];
        var tokens = await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(xiaoMing));

        var response = await SendAsync(client, HttpMethod.Post, "/api/miniprogram/phone", tokens.GetProperty("accessToken").GetString(), new { code = Emulator(factory).IssuePhoneNumberCode(xiaoMing) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            new Dictionary<string, string> { ["phoneNumber"] = "13800138000", ["purePhoneNumber"] = "13800138000", ["countryCode"] = "86" },
            (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!);
    }

    [Fact]
    public async Task The_open_data_endpoints_take_only_a_mini_program_sign_in()
    {
        await using var factory = new SampleFactory();
        var browser = factory.CreateBrowser();
        await SampleFactory.ConsentAsync(browser, await SampleFactory.ChallengeAsync(browser), user: 0);

        var response = await browser.PostAsJsonAsync("/api/miniprogram/phone", new { code = "abc" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(40226, 3, 403, WeChatProblems.UserBlocked)]
    [InlineData(-1, 2, 503, WeChatProblems.WeChatUnavailable)]
    public async Task The_emulators_special_users_fail_with_their_problem(int errcode, int user, int status, string type)
    {
        await using var factory = new SampleFactory();

        var response = await factory.CreateBrowser().PostAsJsonAsync("/signin-wechat-miniprogram", new { code = Emulator(factory).IssueMiniProgramCode(Emulator(factory).Options.Users[user]) });

        Assert.Equal(status, (int)response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(type, json.RootElement.GetProperty("type").GetString());
        Assert.Equal(errcode, json.RootElement.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task The_endpoints_are_configured_from_environment_style_settings()
    {
        // A WeChat-compatible server on a port, as Authentication__WeChatMiniProgram__SessionEndpoint=http://127.0.0.1:<port>/… sets it.
        var (emulator, address) = await KestrelHosts.StartStandaloneEmulatorAsync(o => o.MiniProgramAppSecret = KestrelHosts.EmulatorMiniProgramSecret);
        await using var _ = emulator;
        var origin = address.ToString().TrimEnd('/');
        await using var factory = new SampleFactory();
        factory.Settings["Authentication:WeChatMiniProgram:AppId"] = "wxe1e1e1e1e1e1e1e1";
        factory.Settings["Authentication:WeChatMiniProgram:AppSecret"] = KestrelHosts.EmulatorMiniProgramSecret;
        factory.Settings["Authentication:WeChatMiniProgram:SessionEndpoint"] = origin + "/sns/jscode2session";
        var remote = emulator.Services.GetRequiredService<WeChatEmulator>();

        var tokens = await SignInAsync(factory.CreateBrowser(), remote.IssueMiniProgramCode(remote.Options.Users[0]));

        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.Equal(1, remote.GetCallCount("/sns/jscode2session"));
    }

    [Fact]
    public async Task In_production_without_a_mini_program_AppId_there_is_no_mini_program_sign_in()
    {
        var (factory, address) = KestrelHosts.StartSample("Production", new Dictionary<string, string?>
        {
            ["Authentication:WeChat:AppId"] = "wx1234567890abcdef",
            ["Authentication:WeChat:AppSecret"] = "secret",
        });
        await using var _ = factory;
        using var client = new HttpClient { BaseAddress = address };

        var signIn = await client.PostAsJsonAsync("/signin-wechat-miniprogram", new { code = "abc" });
        var me = await SendAsync(client, HttpMethod.Get, "/api/me", "some-token");

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string token, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    [Theory]
    [InlineData("/api/miniprogram/decrypt")]
    [InlineData("/api/miniprogram/phone")]
    public async Task A_body_with_a_key_that_is_not_valid_Unicode_is_400_not_500(string path)
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var token = (await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(Emulator(factory).Options.Users[0]))).GetProperty("accessToken").GetString()!;

        var response = await PostAsync(client, path, token, """{"\ud800":1,"iv":"x"}""");
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task Open_data_rewritten_in_its_first_block_into_unreadable_text_is_400_not_500()
    {
        await using var factory = new SampleFactory();
        var client = factory.CreateBrowser();
        var xiaoMing = Emulator(factory).Options.Users[0];
        var token = (await SignInAsync(client, Emulator(factory).IssueMiniProgramCode(xiaoMing))).GetProperty("accessToken").GetString()!;
        var data = Emulator(factory).EncryptUserInfo(xiaoMing);

        // 1. The sample echoes the plaintext: the client learns its first block.
        var echo = await PostAsync(client, "/api/miniprogram/decrypt", token, JsonSerializer.Serialize(new { encryptedData = data.EncryptedData, iv = data.Iv }));
        var plain = await echo.Content.ReadAsByteArrayAsync();
        // 2. Flip the iv so that block 1 becomes {"a":"<FF FE>...  (no key needed).
        var wanted = Encoding.ASCII.GetBytes("{\"a\":\"XXXXXXXXXX");
        wanted[6] = 0xFF;
        wanted[7] = 0xFE;
        var iv = Convert.FromBase64String(data.Iv);
        for (var i = 0; i < 16; i++)
        {
            iv[i] ^= (byte)(plain[i] ^ wanted[i]);
        }

        // Keep the rest of block 1 a string: the original bytes 6..15 are inside the openId/nickName value
        var response = await PostAsync(client, "/api/miniprogram/decrypt", token, JsonSerializer.Serialize(new { encryptedData = data.EncryptedData, iv = Convert.ToBase64String(iv) }));
        Assert.Equal(400, (int)response.StatusCode);
    }
}
