using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using AspNetCore.Authentication.WeChat.Emulator.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MvcSample.Tests;

/// <summary>
/// The emulated mini-program, through HTTP against the sample: jscode2session, session_key rotation and open data,
/// checksession, getuserphonenumber, its own global tokens, and the simulator page and its routes.
/// </summary>
public sealed class EmulatorMiniProgramTests : IAsyncLifetime
{
    private const string MiniProgramAppId = "wxe1e1e1e1e1e1e1e1";
    private const string MiniProgramSecret = "mini-program-secret-0123456789";
    private const string OfficialAccountAppId = "wxe0e0e0e0e0e0e0e0";
    private const string OfficialAccountSecret = "official-account-secret-0123456789";

    // From the real now: Data Protection's key ring is made on the real clock, and must not be newer than the fake one.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SampleFactory _factory;

    public EmulatorMiniProgramTests()
    {
        _factory = new SampleFactory { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(_time) };
        _factory.Settings["WeChatEmulator:AppSecret"] = OfficialAccountSecret;
        _factory.Settings["WeChatEmulator:MiniProgramAppSecret"] = MiniProgramSecret;
    }

    // Made on first use, so that a test can change the settings first.
    private HttpClient Client => field ??= _factory.CreateBrowser();

    private WeChatEmulator Emulator => _factory.Services.GetRequiredService<WeChatEmulator>();

    private WeChatEmulatorUser XiaoMing => Emulator.Options.Users[0];

    private WeChatEmulatorUser LiLei => Emulator.Options.Users[1];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_code_answers_the_users_mini_program_openid_unionid_and_a_16_byte_session_key_once()
    {
        var code = Emulator.IssueMiniProgramCode(XiaoMing);

        var first = await Client.GetAsync(SessionUrl(code));
        Assert.Equal("text/plain", first.Content.Headers.ContentType!.MediaType);
        using (var session = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            var openId = session.RootElement.GetProperty("openid").GetString()!;
            Assert.Equal(XiaoMing.MiniProgramOpenId, openId);
            Assert.NotEqual(XiaoMing.OpenId, openId);
            Assert.Matches("^oMp[A-Za-z0-9_-]{25}$", openId);
            Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", session.RootElement.GetProperty("unionid").GetString());
            var sessionKey = session.RootElement.GetProperty("session_key").GetString()!;
            Assert.Equal(24, sessionKey.Length);
            Assert.Equal(16, Convert.FromBase64String(sessionKey).Length);
        }

        Assert.Equal(40163, await ErrcodeAsync(await Client.GetAsync(SessionUrl(code))));
        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(SessionUrl("0123456789abcdefABCDEF0123456789"))));
        Assert.Equal(3, Emulator.GetCallCount("/sns/jscode2session"));
    }

    [Fact]
    public async Task A_user_without_unionid_gets_none_and_extra_parameters_are_tolerated()
    {
        var code = Emulator.IssueMiniProgramCode(LiLei);

        // Some SDKs append the global access_token to every call, this one included.
        using var session = JsonDocument.Parse(await Client.GetStringAsync(SessionUrl(code) + "&access_token=whatever"));

        Assert.Equal(LiLei.MiniProgramOpenId, session.RootElement.GetProperty("openid").GetString());
        Assert.False(session.RootElement.TryGetProperty("unionid", out _));
    }

    [Theory]
    [InlineData("", MiniProgramSecret, "authorization_code", 41002)]
    [InlineData("wx0000000000000000", MiniProgramSecret, "authorization_code", 40013)]
    [InlineData(OfficialAccountAppId, OfficialAccountSecret, "authorization_code", 40013)]
    [InlineData(MiniProgramAppId, "", "authorization_code", 41004)]
    [InlineData(MiniProgramAppId, "wrong", "authorization_code", 40125)]
    [InlineData(MiniProgramAppId, OfficialAccountSecret, "authorization_code", 40125)]
    [InlineData(MiniProgramAppId, MiniProgramSecret, "client_credential", 40002)]
    public async Task Credentials_and_grant_type_are_checked_for_the_mini_program_only(string appId, string secret, string grantType, int errcode)
    {
        var code = Emulator.IssueMiniProgramCode(XiaoMing);

        var answer = await Client.GetAsync($"/wechat-emulator/sns/jscode2session?appid={appId}&secret={secret}&js_code={code}&grant_type={grantType}");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(errcode, await ErrcodeAsync(answer));
        // Refused before the code was looked at: it still works.
        Assert.Equal(XiaoMing.MiniProgramOpenId, await OpenIdAsync(code));
    }

    [Fact]
    public async Task A_missing_js_code_is_41008_and_a_POST_is_41002_whatever_it_carries()
    {
        var code = Emulator.IssueMiniProgramCode(XiaoMing);

        Assert.Equal(41008, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/sns/jscode2session?appid={MiniProgramAppId}&secret={MiniProgramSecret}&code={code}&grant_type=authorization_code")));
        var post = await Client.PostAsync(SessionUrl(code), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = MiniProgramAppId, ["secret"] = MiniProgramSecret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(41002, await ErrcodeAsync(post));
    }

    [Fact]
    public async Task A_code_expires_after_the_code_lifetime()
    {
        var code = Emulator.IssueMiniProgramCode(XiaoMing);
        var later = Emulator.IssueMiniProgramCode(XiaoMing);

        _time.Advance(Emulator.Options.CodeLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(XiaoMing.MiniProgramOpenId, await OpenIdAsync(later));
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(40029, await ErrcodeAsync(await Client.GetAsync(SessionUrl(code))));
    }

    [Theory]
    [InlineData(3, 40226)]
    [InlineData(2, -1)]
    public async Task A_high_risk_user_is_blocked_and_the_busy_user_gets_minus_1(int user, int errcode)
    {
        var code = Emulator.IssueMiniProgramCode(Emulator.Options.Users[user]);

        Assert.Equal(errcode, await ErrcodeAsync(await Client.GetAsync(SessionUrl(code))));
    }

    [Fact]
    public async Task The_101st_call_of_one_user_within_a_minute_is_45011_and_other_users_are_not_affected()
    {
        var codes = Enumerable.Range(0, 101).Select(_ => Emulator.IssueMiniProgramCode(XiaoMing)).ToList();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, await ErrcodeAsync(await Client.GetAsync(SessionUrl(codes[i]))));
        }

        var limited = await Client.GetStringAsync(SessionUrl(codes[100]));
        Assert.Contains("\"errcode\":45011", limited, StringComparison.Ordinal);
        Assert.Contains("api minute-quota reach limit mustslower retry next minute", limited, StringComparison.Ordinal);
        Assert.Equal(LiLei.MiniProgramOpenId, await OpenIdAsync(Emulator.IssueMiniProgramCode(LiLei)));

        // Next minute: the refused code was not spent.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(XiaoMing.MiniProgramOpenId, await OpenIdAsync(codes[100]));
    }

    [Fact]
    public async Task Each_code_rotates_the_session_key_and_open_data_is_encrypted_with_the_current_one()
    {
        Assert.Throws<InvalidOperationException>(() => Emulator.EncryptUserInfo(XiaoMing));
        var firstKey = await SessionKeyAsync(Emulator.IssueMiniProgramCode(XiaoMing));
        var secondKey = await SessionKeyAsync(Emulator.IssueMiniProgramCode(XiaoMing));
        Assert.NotEqual(firstKey, secondKey);

        var data = Emulator.EncryptUserInfo(XiaoMing);

        Assert.Equal(16, Convert.FromBase64String(data.Iv).Length);
        using (var profile = JsonDocument.Parse(Decrypt(data.EncryptedData, data.Iv, secondKey)!))
        {
            var root = profile.RootElement;
            Assert.Equal(XiaoMing.MiniProgramOpenId, root.GetProperty("openId").GetString());
            Assert.Equal("小明 😀", root.GetProperty("nickName").GetString());
            Assert.Equal("uEmu_XiaoMing_o6_bmasdasdsad6_2sg", root.GetProperty("unionId").GetString());
            Assert.Equal(MiniProgramAppId, root.GetProperty("watermark").GetProperty("appid").GetString());
            Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), root.GetProperty("watermark").GetProperty("timestamp").GetInt64());
        }

        // The rotated-away key does not decrypt it (a padding error, or at best garbage).
        Assert.DoesNotContain(XiaoMing.MiniProgramOpenId, Decrypt(data.EncryptedData, data.Iv, firstKey) ?? "", StringComparison.Ordinal);

        using (var raw = JsonDocument.Parse(data.RawData))
        {
            Assert.Equal("小明 😀", raw.RootElement.GetProperty("nickName").GetString());
            Assert.False(raw.RootElement.TryGetProperty("openId", out _));
            Assert.False(raw.RootElement.TryGetProperty("unionId", out _));
            Assert.False(raw.RootElement.TryGetProperty("watermark", out _));
        }

#pragma warning disable CA5350 // WeChat's rawData signature is SHA-1.
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(data.RawData + secondKey))), data.Signature);
#pragma warning restore CA5350
    }

    [Fact]
    public void The_signature_helpers_match_WeChats_official_examples()
    {
        Assert.Equal("654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b", WeChatEmulatorCrypto.HmacSha256Hex("o0q0otL8aEzpcZL/FT9WsQ==", """{"foo":"bar"}"""));
        Assert.Equal("75e81ceda165f4ffa64f4068af58c64b8f54b88c", WeChatEmulatorCrypto.RawDataSignature(
            """{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}""",
            "HyVFkGl5F5OQWJZZaNzBBg=="));
    }

    [Fact]
    public async Task Checksession_accepts_the_current_session_key_and_answers_87009_for_a_replaced_one()
    {
        var token = await MiniProgramTokenAsync();
        var oldKey = await SessionKeyAsync(Emulator.IssueMiniProgramCode(XiaoMing));
        var currentKey = await SessionKeyAsync(Emulator.IssueMiniProgramCode(XiaoMing));

        Assert.Equal(0, await ErrcodeAsync(await CheckSessionAsync(token, XiaoMing.MiniProgramOpenId, currentKey)));
        Assert.Equal(87009, await ErrcodeAsync(await CheckSessionAsync(token, XiaoMing.MiniProgramOpenId, oldKey)));
        Assert.Equal(87009, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/wxa/checksession?access_token={token}&openid={XiaoMing.MiniProgramOpenId}&signature=&sig_method=hmac_sha256")));
        Assert.Equal(40003, await ErrcodeAsync(await CheckSessionAsync(token, XiaoMing.OpenId, currentKey)));
        Assert.Equal(40001, await ErrcodeAsync(await CheckSessionAsync(await OfficialAccountTokenAsync(), XiaoMing.MiniProgramOpenId, currentKey)));
        Assert.Equal(41001, await ErrcodeAsync(await CheckSessionAsync("", XiaoMing.MiniProgramOpenId, currentKey)));
    }

    [Fact]
    public async Task A_phone_number_code_gives_the_users_number_once_with_the_mini_programs_watermark()
    {
        var token = await MiniProgramTokenAsync();
        var code = Emulator.IssuePhoneNumberCode(XiaoMing);

        var answer = await PhoneNumberAsync(token, JsonContent($$"""{"code":"{{code}}"}"""));
        using (var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()))
        {
            Assert.Equal(0, json.RootElement.GetProperty("errcode").GetInt32());
            var phone = json.RootElement.GetProperty("phone_info");
            Assert.Equal("13800138000", phone.GetProperty("phoneNumber").GetString());
            Assert.Equal("13800138000", phone.GetProperty("purePhoneNumber").GetString());
            // A number, as WeChat answers, though its documentation says string.
            Assert.Equal(86, phone.GetProperty("countryCode").GetInt32());
            Assert.Equal(MiniProgramAppId, phone.GetProperty("watermark").GetProperty("appid").GetString());
            Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), phone.GetProperty("watermark").GetProperty("timestamp").GetInt64());
        }

        Assert.Equal(40029, await ErrcodeAsync(await PhoneNumberAsync(token, JsonContent($$"""{"code":"{{code}}"}"""))));
        Assert.Equal(2, Emulator.GetCallCount("/wxa/business/getuserphonenumber"));
    }

    [Fact]
    public async Task The_phone_number_API_refuses_another_apps_token_a_form_a_code_in_the_query_and_another_users_openid()
    {
        var token = await MiniProgramTokenAsync();
        var code = Emulator.IssuePhoneNumberCode(XiaoMing);

        Assert.Equal(40001, await ErrcodeAsync(await PhoneNumberAsync(await OfficialAccountTokenAsync(), JsonContent($$"""{"code":"{{code}}"}"""))));
        Assert.Equal(40001, await ErrcodeAsync(await PhoneNumberAsync("unknown-token", JsonContent($$"""{"code":"{{code}}"}"""))));
        Assert.Equal(47001, await ErrcodeAsync(await PhoneNumberAsync(token, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code }))));
        Assert.Equal(40029, await ErrcodeAsync(await Client.PostAsync($"/wechat-emulator/wxa/business/getuserphonenumber?access_token={token}&code={code}", null)));
        Assert.Equal(40029, await ErrcodeAsync(await PhoneNumberAsync(token, JsonContent($$"""{"code":"{{code}}","openid":"{{LiLei.MiniProgramOpenId}}"}"""))));
        Assert.Equal(43002, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/wxa/business/getuserphonenumber?access_token={token}")));

        // None of these spent the code; with the right openid it works.
        var answer = await PhoneNumberAsync(token, JsonContent($$"""{"code":"{{code}}","openid":"{{XiaoMing.MiniProgramOpenId}}"}"""));
        Assert.Equal(0, await ErrcodeAsync(answer));
        Assert.Throws<InvalidOperationException>(() => Emulator.IssuePhoneNumberCode(Emulator.Options.Users[2]));
    }

    [Fact]
    public async Task An_expired_mini_program_token_is_42001_and_the_official_accounts_user_info_takes_only_its_own_tokens()
    {
        var miniProgramToken = await MiniProgramTokenAsync();
        var officialAccountToken = await OfficialAccountTokenAsync();
        Assert.NotEqual(miniProgramToken, officialAccountToken);

        Assert.Equal(40001, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/cgi-bin/user/info?access_token={miniProgramToken}&openid={XiaoMing.OpenId}")));
        Assert.Equal(0, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/cgi-bin/user/info?access_token={officialAccountToken}&openid={XiaoMing.OpenId}")));

        // A classic token of the mini-program: its own family, its own app.
        using var classic = JsonDocument.Parse(await Client.GetStringAsync($"/wechat-emulator/cgi-bin/token?grant_type=client_credential&appid={MiniProgramAppId}&secret={MiniProgramSecret}"));
        var classicToken = classic.RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal(40001, await ErrcodeAsync(await Client.GetAsync($"/wechat-emulator/cgi-bin/token?grant_type=client_credential&appid={MiniProgramAppId}&secret={OfficialAccountSecret}")));

        _time.Advance(Emulator.Options.GlobalTokenLifetime);
        Assert.Equal(42001, await ErrcodeAsync(await PhoneNumberAsync(miniProgramToken, JsonContent("""{"code":"x"}"""))));
        Assert.Equal(42001, await ErrcodeAsync(await PhoneNumberAsync(classicToken, JsonContent("""{"code":"x"}"""))));
    }

    [Fact]
    public async Task With_a_distinct_user_per_code_each_mini_program_code_ends_as_its_own_user()
    {
        _factory.Settings["WeChatEmulator:DistinctUserPerCode"] = "true";
        var token = await MiniProgramTokenAsync();

        var openIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var session = JsonDocument.Parse(await Client.GetStringAsync(SessionUrl(Emulator.IssueMiniProgramCode(XiaoMing))));
            var openId = session.RootElement.GetProperty("openid").GetString()!;
            Assert.True(Emulator.TryGetMiniProgramUser(openId, out var user));
            Assert.Equal(user.UnionId, session.RootElement.GetProperty("unionid").GetString());
            Assert.NotEqual(XiaoMing.OpenId, user.OpenId);
            // Rebuilt from the openid, the user still has their session.
            Assert.Equal(0, await ErrcodeAsync(await CheckSessionAsync(token, openId, session.RootElement.GetProperty("session_key").GetString()!)));
            openIds.Add(openId);
        }

        Assert.Equal(3, openIds.Distinct().Count());
        Assert.False(Emulator.TryGetMiniProgramUser("oEmuMpLoad9999999999", out _));
    }

    [Fact]
    public async Task With_a_distinct_user_per_code_a_pending_mini_program_code_tells_its_user_until_it_is_spent()
    {
        _factory.Settings["WeChatEmulator:DistinctUserPerCode"] = "true";
        var first = Emulator.IssueMiniProgramCode(XiaoMing);
        var second = Emulator.IssueMiniProgramCode(XiaoMing);

        // Each code names the new user it was issued to, not the user passed in; looking does not spend it.
        Assert.True(Emulator.TryGetMiniProgramCodeUser(first, out var firstUser));
        Assert.True(Emulator.TryGetMiniProgramCodeUser(second, out var secondUser));
        Assert.True(Emulator.TryGetMiniProgramCodeUser(first, out _));
        Assert.NotEqual(XiaoMing.MiniProgramOpenId, firstUser.MiniProgramOpenId);
        Assert.NotEqual(firstUser.MiniProgramOpenId, secondUser.MiniProgramOpenId);

        using (var session = JsonDocument.Parse(await Client.GetStringAsync(SessionUrl(first))))
        {
            Assert.Equal(firstUser.MiniProgramOpenId, session.RootElement.GetProperty("openid").GetString());
            Assert.Equal(firstUser.UnionId, session.RootElement.GetProperty("unionid").GetString());
        }

        // Spent, unknown, or a web sign-in's code: no user.
        Assert.False(Emulator.TryGetMiniProgramCodeUser(first, out var spent));
        Assert.Null(spent);
        Assert.False(Emulator.TryGetMiniProgramCodeUser("0123456789abcdefABCDEF0123456789", out _));
        Assert.False(Emulator.TryGetMiniProgramCodeUser(Emulator.IssueCode(XiaoMing, "snsapi_base"), out _));
        Assert.True(Emulator.TryGetMiniProgramCodeUser(second, out _));
    }

    [Fact]
    public void Without_a_distinct_user_per_code_a_pending_mini_program_code_tells_the_user_it_was_issued_to()
    {
        var code = Emulator.IssueMiniProgramCode(LiLei);

        Assert.True(Emulator.TryGetMiniProgramCodeUser(code, out var user));
        Assert.Same(LiLei, user);
    }

    [Fact]
    public void A_pending_mini_program_code_tells_no_user_once_it_has_expired()
    {
        var code = Emulator.IssueMiniProgramCode(LiLei);

        _time.Advance(Emulator.Options.CodeLifetime + TimeSpan.FromSeconds(1));

        Assert.False(Emulator.TryGetMiniProgramCodeUser(code, out _));
    }

    [Fact]
    public async Task The_login_route_mints_a_code_that_works_once_and_no_browser_answer_carries_the_session_key()
    {
        var login = await Client.PostAsync("/wechat-emulator/miniprogram/login", JsonContent($$"""{"openid":"{{XiaoMing.OpenId}}"}"""));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("application/json", login.Content.Headers.ContentType!.MediaType);
        var loginBody = await login.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(loginBody);
        var code = json.RootElement.GetProperty("code").GetString()!;

        var sessionKey = await SessionKeyAsync(code);
        Assert.Equal(40163, await ErrcodeAsync(await Client.GetAsync(SessionUrl(code))));

        var phone = await Client.PostAsync("/wechat-emulator/miniprogram/phone-code", JsonContent($$"""{"openid":"{{XiaoMing.OpenId}}"}"""));
        var userInfo = await Client.PostAsync("/wechat-emulator/miniprogram/user-info", JsonContent($$"""{"openid":"{{XiaoMing.OpenId}}"}"""));
        Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        var userInfoBody = await userInfo.Content.ReadAsStringAsync();
        using (var data = JsonDocument.Parse(userInfoBody))
        {
            Assert.Equal(["encryptedData", "iv", "rawData", "signature"], data.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Contains(XiaoMing.MiniProgramOpenId, Decrypt(data.RootElement.GetProperty("encryptedData").GetString()!, data.RootElement.GetProperty("iv").GetString()!, sessionKey), StringComparison.Ordinal);
        }

        foreach (var body in new[] { loginBody, await phone.Content.ReadAsStringAsync(), userInfoBody })
        {
            Assert.DoesNotContain(sessionKey, body, StringComparison.Ordinal);
            Assert.DoesNotContain("session_key", body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("/miniprogram/login", """{"openid":"oNobody"}""", "application/json")]
    [InlineData("/miniprogram/login", """{"openid":""", "application/json")]
    [InlineData("/miniprogram/login", """["oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"]""", "application/json")]
    [InlineData("/miniprogram/login", """{"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"}""", "text/plain")]
    [InlineData("/miniprogram/phone-code", """{"openid":"oEmu_Busy_000000000000000000000000"}""", "application/json")]
    [InlineData("/miniprogram/user-info", """{"openid":"oEmu_LiLei_9xk2LmQ7vR3sT8uW1yZ4aB"}""", "application/json")]
    public async Task The_simulator_routes_answer_400_with_an_error_for_an_unknown_user_bad_JSON_a_user_without_phone_or_session(string route, string body, string mediaType)
    {
        var answer = await Client.PostAsync("/wechat-emulator" + route, new StringContent(body, Encoding.UTF8, mediaType));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task The_simulator_page_lists_the_users_and_HTML_encodes_a_hostile_nickname_and_loads_nothing_from_another_origin()
    {
        _factory.Settings["WeChatEmulator:Users:0:OpenId"] = "oEmu_Script";
        _factory.Settings["WeChatEmulator:Users:0:Nickname"] = "<script>alert(1)</script>";
        _factory.Settings["WeChatEmulator:Users:0:HeadImageUrl"] = "https://evil.example/a.png";
        _factory.Settings["WeChatEmulator:Users:0:Description"] = "\"><img src=x onerror=alert(2)>";
        _factory.Settings["WeChatEmulator:Users:1:OpenId"] = "oEmu_Plain";
        _factory.Settings["WeChatEmulator:Users:1:Nickname"] = "Plain";
        _factory.Settings["WeChatEmulator:MiniProgramName"] = "我的<小程序>";

        var page = await Client.GetAsync("/wechat-emulator/miniprogram");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        // No other site may frame it and click for the developer.
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());

        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<小程序>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?i)https?://", html);
        Assert.Contains("Content-Security-Policy", html, StringComparison.Ordinal);
        Assert.Equal(["oEmu_Script", "oEmu_Plain"], Regex.Matches(html, "<button[^>]*class=\"mp-user\"[^>]*data-openid=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        foreach (var id in new[] { "signin-result", "me-result", "phone-result", "decrypt-result", "refresh-result", "phone", "decrypt", "refresh" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("data-signin=\"/signin-wechat-miniprogram\"", html, StringComparison.Ordinal);
        Assert.Contains("小程序模拟器", html, StringComparison.Ordinal);
        Assert.Contains("Mini-program simulator", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/sign-in", HttpStatusCode.OK)]
    [InlineData("//evil.example/x", HttpStatusCode.BadRequest)]
    [InlineData("/\\evil.example", HttpStatusCode.BadRequest)]
    [InlineData("https://evil.example/x", HttpStatusCode.BadRequest)]
    [InlineData("signin", HttpStatusCode.BadRequest)]
    public async Task The_simulator_signs_in_only_at_a_path_of_the_app(string signIn, HttpStatusCode expected)
    {
        var page = await Client.GetAsync("/wechat-emulator/miniprogram?signin=" + Uri.EscapeDataString(signIn));

        Assert.Equal(expected, page.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Contains($"data-signin=\"{signIn}\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_a_real_AppId_the_simulator_and_the_mini_program_APIs_are_not_served()
    {
        await using var factory = new SampleFactory();
        factory.Settings["Authentication:WeChat:AppId"] = "wx1234567890abcdef";
        factory.Settings["Authentication:WeChat:AppSecret"] = "real-secret";
        // The mini-program too: a scheme of either app without an AppId would sign in against the emulator.
        factory.Settings["Authentication:WeChatMiniProgram:AppId"] = "wxa1234567890abcd";
        factory.Settings["Authentication:WeChatMiniProgram:AppSecret"] = "real-mini-secret";
        var browser = factory.CreateBrowser();

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/wechat-emulator/miniprogram")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.PostAsync("/wechat-emulator/miniprogram/login", JsonContent("""{"openid":"oEmu_XiaoMing_6bmasdsad6_2sgVt7hM"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/wechat-emulator/sns/jscode2session?appid=x")).StatusCode);
    }

    [Fact]
    public async Task A_mini_program_without_AppId_signs_in_against_the_emulator_and_its_token_and_phone_calls_never_leave_the_process()
    {
        // As AddWeChatMiniProgram will: the mini-program's options, and its access token with their AppID copied.
        var network = new NetworkGuard();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Services.AddWeChatEmulator();
        builder.Services.AddOptions<WeChatMiniProgramOptions>(WeChatMiniProgramDefaults.Name);
        builder.Services.AddWeChatAccessToken(WeChatMiniProgramDefaults.Name, _ => { });
        builder.Services.AddOptions<WeChatAccessTokenOptions>(WeChatMiniProgramDefaults.Name).Configure<IOptionsMonitor<WeChatMiniProgramOptions>>(
            (o, miniProgram) => o.AppId = miniProgram.Get(WeChatMiniProgramDefaults.Name).AppId);
        builder.Services.AddHttpClient("mini-program-api")
            .AddWeChatAccessTokenHandler(WeChatMiniProgramDefaults.Name)
            .ConfigurePrimaryHttpMessageHandler(() => network);
        await using var app = builder.Build();
        await app.StartAsync();
        var emulator = app.Services.GetRequiredService<WeChatEmulator>();

        var options = app.Services.GetRequiredService<IOptionsMonitor<WeChatMiniProgramOptions>>().Get(WeChatMiniProgramDefaults.Name);
        Assert.Equal(MiniProgramAppId, options.AppId);
        Assert.Equal(WeChatMiniProgramDefaults.PhoneNumberEndpoint, options.PhoneNumberEndpoint);
        Assert.Equal(WeChatMiniProgramDefaults.CheckSessionEndpoint, options.CheckSessionEndpoint);
        using (var session = JsonDocument.Parse(await options.Backchannel!.GetStringAsync(
            $"{options.SessionEndpoint}?appid={options.AppId}&secret={Uri.EscapeDataString(options.AppSecret)}&js_code={emulator.IssueMiniProgramCode(emulator.Options.Users[0])}&grant_type=authorization_code")))
        {
            Assert.Equal(emulator.Options.Users[0].MiniProgramOpenId, session.RootElement.GetProperty("openid").GetString());
        }

        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("mini-program-api");
        var phone = await client.PostAsync(WeChatMiniProgramDefaults.PhoneNumberEndpoint, JsonContent($$"""{"code":"{{emulator.IssuePhoneNumberCode(emulator.Options.Users[0])}}"}"""));
        using (var json = JsonDocument.Parse(await phone.Content.ReadAsStringAsync()))
        {
            Assert.Equal("13800138000", json.RootElement.GetProperty("phone_info").GetProperty("purePhoneNumber").GetString());
        }

        Assert.Empty(network.Sent);
        Assert.Equal(1, emulator.GetCallCount("/cgi-bin/stable_token"));
    }

    private static string SessionUrl(string code)
        => $"/wechat-emulator/sns/jscode2session?appid={MiniProgramAppId}&secret={MiniProgramSecret}&js_code={code}&grant_type=authorization_code";

    private async Task<string> OpenIdAsync(string code)
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync(SessionUrl(code)));
        return json.RootElement.TryGetProperty("openid", out var openId) ? openId.GetString()! : json.RootElement.ToString();
    }

    private async Task<string> SessionKeyAsync(string code)
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync(SessionUrl(code)));
        return json.RootElement.GetProperty("session_key").GetString()!;
    }

    private Task<HttpResponseMessage> CheckSessionAsync(string token, string openId, string sessionKey)
    {
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionKey), Array.Empty<byte>()));
        return Client.GetAsync($"/wechat-emulator/wxa/checksession?access_token={token}&openid={openId}&signature={signature}&sig_method=hmac_sha256");
    }

    private Task<HttpResponseMessage> PhoneNumberAsync(string token, HttpContent body)
        => Client.PostAsync($"/wechat-emulator/wxa/business/getuserphonenumber?access_token={Uri.EscapeDataString(token)}", body);

    private Task<string> MiniProgramTokenAsync() => StableTokenAsync(MiniProgramAppId, MiniProgramSecret);

    private Task<string> OfficialAccountTokenAsync() => StableTokenAsync(OfficialAccountAppId, OfficialAccountSecret);

    private async Task<string> StableTokenAsync(string appId, string secret)
    {
        var answer = await Client.PostAsync("/wechat-emulator/cgi-bin/stable_token", JsonContent($$"""{"grant_type":"client_credential","appid":"{{appId}}","secret":"{{secret}}"}"""));
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Decrypts open data as an app's server does (AES-128-CBC, PKCS#7); null when the padding is wrong.</summary>
    private static string? Decrypt(string encryptedData, string iv, string sessionKey)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        try
        {
            return Encoding.UTF8.GetString(aes.DecryptCbc(Convert.FromBase64String(encryptedData), Convert.FromBase64String(iv), PaddingMode.PKCS7));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static async Task<int> ErrcodeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
    }

    private static StringContent JsonContent(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Stands for the network: records what would have left the process.</summary>
    private sealed class NetworkGuard : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<Uri> Sent { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.Enqueue(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway));
        }
    }
}
