using System.Net;
using System.Security.Claims;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// A WeChat (or something posing as it) that answers with the wrong types, someone else's ids, or huge fields:
/// identity comes from the token response only, and nothing WeChat sends can make the sign-in cookie unusable.
/// </summary>
public class HostileAnswerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string AliceOpenId = FakeWeChatUser.Alice.OpenId;

    [Theory]
    [InlineData("123")]
    [InlineData("[\"oAlice_6_bmasdasdsad6_2sgVt7hM\"]")]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("\"OALICE_6_BMASDASDSAD6_2SGVT7HM\"")]
    [InlineData("\"oAlice_6_bmasdasdsad6_2sgVt7hM \"")]
    [InlineData("{\"openid\":\"oAlice_6_bmasdasdsad6_2sgVt7hM\"}")]
    public async Task A_profile_whose_openid_is_not_the_tokens_exact_string_stops_the_sign_in(string openIdJson)
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":{{openIdJson}},"nickname":"Mallory"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        var failure = await SignInExpectingFailureAsync(host, browser);

        Assert.Contains("user information endpoint", failure.Message, StringComparison.Ordinal);
        Assert.Contains("openid", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name == ".AspNetCore.Cookies");
    }

    [Fact]
    public async Task A_profile_without_an_openid_stops_the_sign_in()
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Json("""{"nickname":"Nobody"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.Contains("openid", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_cannot_clear_the_tokens_snapshot_flag_or_replace_its_scope()
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        fake.TokenResponse = () => FakeWeChat.Json($$"""{"access_token":"ACCESS_s","expires_in":7200,"refresh_token":"REFRESH_s","openid":"{{AliceOpenId}}","scope":"snsapi_userinfo","is_snapshotuser":1}""");
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{AliceOpenId}}","nickname":"Virtual","is_snapshotuser":0,"scope":"snsapi_privileged"}""");
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("1", Assert.Single(me.All(WeChatClaimTypes.IsSnapshotUser)));
        Assert.Equal("snsapi_userinfo", Assert.Single(me.All(WeChatClaimTypes.Scope)));
        Assert.Equal("Virtual", me.Find(ClaimTypes.Name));
    }

    [Fact]
    public async Task A_profile_unionid_that_differs_from_the_tokens_stops_the_sign_in()
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId, fake: fake);
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{AliceOpenId}}","nickname":"Alice","unionid":"oVICTIM_unionid_00000000000"}""");
        var browser = host.CreateBrowser();

        var failure = await SignInExpectingFailureAsync(host, browser);

        Assert.Contains("unionid", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name == ".AspNetCore.Cookies");
    }

    [Theory]
    [InlineData("123")]
    [InlineData("[\"uVictim\"]")]
    [InlineData("\"u with spaces\"")]
    public async Task A_profile_unionid_of_the_wrong_form_stops_the_sign_in(string unionIdJson)
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{FakeWeChatUser.Bob.OpenId}}","nickname":"Bob","unionid":{{unionIdJson}}}""");

        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(host.CreateBrowser(), FakeWeChatUser.Bob));

        Assert.Contains("unionid", Assert.IsType<WeChatAuthenticationException>(exception.InnerException).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_unionid_is_kept_when_the_token_has_none()
    {
        // snsapi_base-era token responses carry no unionid; /sns/userinfo does for bound accounts.
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(o => o.NameIdentifierSource = WeChatNameIdentifierSource.UnionId, fake: fake);
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{FakeWeChatUser.Bob.OpenId}}","nickname":"Bob","unionid":"uBob_from_profile_000000000"}""");
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Bob);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("uBob_from_profile_000000000", me.Find(ClaimTypes.NameIdentifier));
        Assert.Equal(FakeWeChatUser.Bob.OpenId, Assert.Single(me.All(WeChatClaimTypes.OpenId)));
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("unionid")]
    [InlineData("access_token")]
    [InlineData("refresh_token")]
    public async Task An_oversized_or_malformed_id_or_token_in_the_token_response_fails_the_sign_in(string field)
    {
        var fields = new Dictionary<string, object>
        {
            ["access_token"] = "ACCESS_1",
            ["expires_in"] = 7200,
            ["refresh_token"] = "REFRESH_1",
            ["openid"] = AliceOpenId,
            ["scope"] = "snsapi_userinfo",
            ["unionid"] = "o6_bmasdasdsad6_2sgVt7hMZOPfL",
        };
        fields[field] = "o" + new string('x', 10_000);
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(fields)) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        var failure = await SignInExpectingFailureAsync(host, browser);

        Assert.Contains("token endpoint", failure.Message, StringComparison.Ordinal);
        Assert.Contains(field, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxxxx", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, fake.UserInfoRequests);
    }

    [Theory]
    [InlineData("{\"openid\":123}")]
    [InlineData("{\"openid\":\"o\\nInjected\"}")]
    [InlineData("{\"scope\":[\"snsapi_userinfo\"]}")]
    public async Task A_token_response_of_the_wrong_form_fails_the_sign_in(string overrides)
    {
        var token = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""{"access_token":"ACCESS_1","expires_in":7200,"openid":"{{AliceOpenId}}","scope":"snsapi_userinfo"}""")!;
        foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(overrides)!)
        {
            token[name] = value;
        }

        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(token)) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.Contains("token endpoint", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, fake.UserInfoRequests);
    }

    // WeChat sends text as raw UTF-8, not \u escapes: 20,000 CJK characters are 60 KB on the wire.
    private static readonly JsonSerializerOptions RawUtf8 = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string, string> HugeFields()
    {
        var text = new string('长', 20_000); // 60 KB of UTF-8
        var ascii = new string('a', 60_000);
        return new()
        {
            { "nickname", JsonSerializer.Serialize(text, RawUtf8) },
            { "city", JsonSerializer.Serialize(text, RawUtf8) },
            { "province", JsonSerializer.Serialize(text, RawUtf8) },
            { "country", JsonSerializer.Serialize(text, RawUtf8) },
            { "headimgurl", JsonSerializer.Serialize("https://thirdwx.qlogo.cn/mmopen/" + ascii + "/132") },
            { "privilege", JsonSerializer.Serialize(Enumerable.Repeat("P" + new string('p', 59), 1000)) },
            { "language", JsonSerializer.Serialize(ascii) },
        };
    }

    [Theory]
    [MemberData(nameof(HugeFields))]
    public async Task Sixty_kilobyte_profile_fields_are_bounded_and_the_user_can_still_use_the_site(string field, string valueJson)
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(o => o.ClaimActions.MapJsonKey("app:language", "language"), fake: fake);
        var profile = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""{"openid":"{{AliceOpenId}}","nickname":"Alice","sex":1,"province":"","city":"","country":"","headimgurl":"https://thirdwx.qlogo.cn/mmopen/a/132","privilege":[]}""")!;
        profile[field] = JsonDocument.Parse(valueJson).RootElement;
        var body = JsonSerializer.Serialize(profile, RawUtf8);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(body), 60_000, 64 * 1024);
        fake.UserInfoResponse = () => FakeWeChat.Json(body);
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        var cookies = callback.Headers.GetValues("Set-Cookie").Where(c => c.StartsWith(".AspNetCore.Cookies", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.True(c.Length < 4096, $"a sign-in cookie chunk of {c.Length} bytes"));
        Assert.True(cookies.Sum(c => c.Length) < 3 * 4096, $"sign-in cookies of {cookies.Sum(c => c.Length)} bytes in all");
        output.WriteLine($"60 KB {field}: {cookies.Count} sign-in cookie(s), {cookies.Sum(c => c.Length)} bytes");

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal(AliceOpenId, me.Find(WeChatClaimTypes.OpenId));
        Assert.All(me.Claims, c => Assert.True(c.Value.Length <= 512, $"{c.Type} is {c.Value.Length} characters"));
        Assert.True(me.All(WeChatClaimTypes.Privilege).Count() <= 16);
    }

    [Fact]
    public async Task Long_text_is_truncated_at_a_character_boundary()
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var emoji = string.Concat(Enumerable.Repeat("😀", 100));
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{AliceOpenId}}","nickname":"{{emoji}}","city":"广州"}""");
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        var nickname = me.Find(ClaimTypes.Name)!;
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 32)), nickname);
        Assert.Equal("广州", me.Find(ClaimTypes.Locality));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/svg+xml,<svg onload=alert(1)>")]
    [InlineData("//evil.example/a.png")]
    [InlineData("ftp://thirdwx.qlogo.cn/a/132")]
    public async Task An_avatar_that_is_not_an_http_url_is_dropped(string headImageUrl)
    {
        var fake = new FakeWeChat();
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        fake.UserInfoResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(new { openid = AliceOpenId, nickname = "Alice", headimgurl = headImageUrl }));
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Null(me.Find(WeChatClaimTypes.HeadImageUrl));
        Assert.Equal("Alice", me.Find(ClaimTypes.Name));
    }

    [Theory]
    [InlineData("""{"error":"invalid_grant","error_description":"<script>alert('pwned')</script>"}""")]
    [InlineData("""{"access_token":"ACCESS_x","openid":"oAlice_6_bmasdasdsad6_2sgVt7hM","error":"invalid_grant","error_description":"<script>alert('pwned')</script>"}""")]
    public async Task An_OAuth_error_in_the_token_response_is_a_WeChat_failure_logged_once(string body)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(body) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.DoesNotContain("OAuth token endpoint failure", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", failure.Message, StringComparison.Ordinal);
        Assert.Contains("token endpoint", failure.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_grant", failure.Message, StringComparison.Ordinal);
        var ours = host.Logs.Entries.Where(e => e.Category == typeof(WeChatAuthenticationHandler).FullName && e.EventId.Id > 1000 && e.Level >= LogLevel.Warning).ToList();
        var log = Assert.Single(ours);
        Assert.Equal("WeChatRequestFailed", log.EventId.Name);
        Assert.DoesNotContain("<script>", host.Logs.AllText, StringComparison.Ordinal);
        Assert.Equal(0, fake.UserInfoRequests);
    }

    [Fact]
    public async Task An_IP_address_in_an_errmsg_reaches_neither_the_exception_nor_the_logs()
    {
        var fake = new FakeWeChat
        {
            TokenResponse = () => FakeWeChat.Json("""{"errcode":40164,"errmsg":"invalid ip 101.226.140.169 ipv6 ::ffff:101.226.140.169, not in whitelist rid: 6510fcad-3d8ae261-25861ec2"}"""),
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.Equal(40164, failure.ErrorCode);
        foreach (var text in new[] { failure.ToString(), failure.ErrorMessage!, host.Logs.AllText, string.Join(' ', failure.Data.Values.Cast<object?>()) })
        {
            Assert.DoesNotContain("101.226.140.169", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ffff", text, StringComparison.Ordinal);
        }

        Assert.Contains("not in whitelist", failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid ip 101.226.140.169. not in whitelist rid: 1")]
    [InlineData("invalid ip:2001:db8:85a3::8a2e:370:7334 not in whitelist rid: 1")]
    [InlineData("invalid ipv62001:db8::1 not in whitelist")]
    [InlineData("invalid ip 2001:db8::1rid: 1")]
    [InlineData("host.101.226.140.169 x")]
    [InlineData("ip=101.226.140.169rid")]
    [InlineData("ip [2001:db8::1]:443 and fe80::1%eth0")]
    [InlineData("IP地址101.226.140.169不在白名单")]
    [InlineData("ip 2001:0db8:85a3:0000:0000:8a2e:0370:7334.")]
    public async Task An_IP_address_anywhere_in_an_errmsg_is_redacted(string errmsg)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(new { errcode = 40164, errmsg })) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        var seen = failure.Message + failure.ErrorMessage + failure.Data["errmsg"] + host.Logs.AllText;
        Assert.DoesNotMatch(@"101\.226|2001:|fe80|8a2e", seen);
        Assert.Contains("[IP]", failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IP_address_cut_by_the_length_limit_is_redacted_too()
    {
        var errmsg = "xxxxx" + string.Concat(Enumerable.Repeat("101.226.140.169 ", 40)) + "rid: 1";

        Assert.DoesNotContain("101.226", UpstreamTextSanitize(errmsg), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid code\u0085FAKE LOG LINE \u009b31m")]
    [InlineData("x\u2028y\u2029z\u202eevil")]
    public async Task An_errmsg_loses_every_control_line_break_and_direction_override(string errmsgJson)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json($$"""{"errcode":40029,"errmsg":"{{errmsgJson}}"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        var log = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatErrorCode");
        foreach (var text in new[] { failure.Message, failure.ErrorMessage!, log.Message })
        {
            Assert.DoesNotContain(text, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202e');
        }
    }

    [Theory]
    [InlineData("userinfo", "nickname", @"\ud800")]
    [InlineData("userinfo", "remark", @"\udc00x")]
    [InlineData("userinfo", "headimgurl", @"\ud800")]
    [InlineData("userinfo", "unionid", @"\ud800")]
    [InlineData("token", "openid", @"\ud800")]
    [InlineData("token", "access_token", @"\ud800")]
    [InlineData("token", "scope", @"\ud800")]
    [InlineData("token", "errmsg", @"\ud800")]
    [InlineData("token", "error", @"\ud800")]
    [InlineData("token", @"\ud800", "x")]
    public async Task Text_that_is_not_valid_Unicode_is_a_clear_failure_that_releases_the_state(string endpoint, string field, string valueJson)
    {
        var fake = new FakeWeChat();
        var token = $$"""{"access_token":"ACCESS_x","expires_in":7200,"openid":"{{AliceOpenId}}","scope":"snsapi_userinfo"}""";
        var body = (field is "errmsg" ? """{"errcode":40029,"errmsg":"x"}""" : field is "error" ? """{"error":"x"}""" : endpoint == "token" ? token : $$"""{"openid":"{{AliceOpenId}}","nickname":"A"}""");
        var hostile = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body)!
            .Where(p => p.Key != field).Select(p => $"\"{p.Key}\":{p.Value.GetRawText()}").Append($"\"{field}\":\"{valueJson}\"");
        var json = "{" + string.Join(',', hostile) + "}";
        if (endpoint == "token")
        {
            fake.TokenResponse = () => FakeWeChat.Json(json);
        }
        else
        {
            fake.UserInfoResponse = () => FakeWeChat.Json(json);
        }

        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();
        var callbackUrl = fake.Authorize(await WeChatTestHost.ChallengeAsync(browser), FakeWeChatUser.Alice);
        var cookies = browser.Cookies.GetCookieHeader(new Uri("http://localhost/signin-wechat"));

        var failure = await Assert.ThrowsAsync<AuthenticationFailureException>(() => browser.GetAsync(callbackUrl));
        Assert.True(failure.InnerException is WeChatAuthenticationException, failure.InnerException?.ToString());

        // The state's outcome was recorded: the browser's duplicate is answered at once, not after the winner's deadline.
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri("http://localhost/"), callbackUrl));
        request.Headers.Add("Cookie", cookies);
        await Assert.ThrowsAsync<AuthenticationFailureException>(() => client.SendAsync(request));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the duplicate waited {started.Elapsed}");
    }

    [Fact]
    public async Task Invalid_UTF8_is_a_clear_failure()
    {
        var body = System.Text.Encoding.UTF8.GetBytes($$"""{"openid":"{{AliceOpenId}}","nickname":"AB"}""");
        body[Array.IndexOf(body, (byte)'B')] = 0xFF;
        var fake = new FakeWeChat
        {
            UserInfoResponse = () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) },
        };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.Contains("user information endpoint", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_fields_are_bounded_in_number_name_and_size()
    {
        var fake = new FakeWeChat();
        var many = string.Concat(Enumerable.Range(0, 150).Select(i => $",\"extra{i}\":\"{new string('e', 150)}\""));
        fake.UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{AliceOpenId}}","nickname":"A","level":{{new string('9', 20_000)}},"{{new string('n', 300)}}":"long name"{{many}}}""");
        await using var host = await WeChatTestHost.StartAsync(o =>
        {
            o.ClaimActions.MapJsonKey("app:level", "level");
            o.ClaimActions.MapJsonKey("app:long", new string('n', 300));
            for (var i = 0; i < 150; i++)
            {
                o.ClaimActions.MapJsonKey("app:extra" + i, "extra" + i);
            }
        }, fake: fake);
        var browser = host.CreateBrowser();

        var callback = await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var cookies = callback.Headers.GetValues("Set-Cookie").Where(c => c.StartsWith(".AspNetCore.Cookies", StringComparison.Ordinal)).ToList();
        Assert.True(cookies.Sum(c => c.Length) < 3 * 4096, $"sign-in cookies of {cookies.Sum(c => c.Length)} bytes");
        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Null(me.Find("app:level"));
        Assert.Null(me.Find("app:long"));
        Assert.InRange(me.Claims.Count(c => c.Type.StartsWith("app:extra", StringComparison.Ordinal)), 1, WeChatUserDocumentMaxOtherFields);
    }

    [Theory]
    [InlineData("https://thirdwx.qlogo.cn@evil.example/mmopen/a/132")]
    [InlineData("https://user:pass@thirdwx.qlogo.cn/mmopen/a/132")]
    public async Task An_avatar_URL_with_user_information_is_dropped(string headImageUrl)
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(new { openid = AliceOpenId, nickname = "A", headimgurl = headImageUrl })) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        Assert.Null((await WeChatTestHost.GetMeAsync(browser)).Find(WeChatClaimTypes.HeadImageUrl));
    }

    [Fact]
    public async Task Free_text_loses_controls_and_direction_overrides_but_keeps_emoji_sequences()
    {
        var fake = new FakeWeChat { UserInfoResponse = () => FakeWeChat.Json($$"""{"openid":"{{AliceOpenId}}","nickname":"\u0000a\r\nb\u202eevil\u0085👨‍👩‍👧","city":"广\u2028州"}""") };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);
        var browser = host.CreateBrowser();

        await host.SignInAsync(browser, FakeWeChatUser.Alice);

        var me = await WeChatTestHost.GetMeAsync(browser);
        Assert.Equal("a  bevil 👨‍👩‍👧", me.Find(ClaimTypes.Name));
        Assert.Equal("广 州", me.Find(ClaimTypes.Locality));
    }

    [Fact]
    public async Task An_errmsg_is_stripped_of_control_characters_and_bounded()
    {
        var errmsg = "invalid code\r\nSet-Cookie: evil=1\u001b[31m" + new string('z', 5_000);
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Json(JsonSerializer.Serialize(new { errcode = 40029, errmsg })) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        var failure = await SignInExpectingFailureAsync(host, host.CreateBrowser());

        Assert.DoesNotContain('\n', failure.ErrorMessage!);
        Assert.DoesNotContain('\u001b', failure.ErrorMessage!);
        Assert.True(failure.ErrorMessage!.Length <= 256, $"errmsg kept at {failure.ErrorMessage.Length} characters");
        Assert.True(failure.Message.Length <= 512, $"message of {failure.Message.Length} characters");
    }

    [Theory]
    [InlineData(40029, "invalid code", "WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token) returned errcode 40029 (invalid code, rid: 645ca8fe-448ccd42-1a78a4b0).")]
    [InlineData(-1, "system error", "WeChat's token endpoint (https://api.weixin.qq.com/sns/oauth2/access_token) returned errcode -1 (system error, rid: 645ca8fe-448ccd42-1a78a4b0).")]
    public async Task The_errcode_log_line_reads_as_one_sentence(int errcode, string errmsg, string expected)
    {
        var fake = new FakeWeChat { TokenResponse = () => FakeWeChat.Error(errcode, errmsg) };
        await using var host = await WeChatTestHost.StartAsync(fake: fake);

        await SignInExpectingFailureAsync(host, host.CreateBrowser());

        var log = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "WeChatErrorCode");
        Assert.Equal(expected, log.Message);
    }

    private const int WeChatUserDocumentMaxOtherFields = Internal.WeChatUserDocument.MaxOtherFields;

    private static string UpstreamTextSanitize(string errmsg) => Internal.UpstreamText.SanitizeErrorMessage(errmsg)!;

    private static async Task<WeChatAuthenticationException> SignInExpectingFailureAsync(WeChatTestHost host, TestBrowser browser)
    {
        var exception = await Assert.ThrowsAsync<AuthenticationFailureException>(() => host.SignInAsync(browser, FakeWeChatUser.Alice));
        return Assert.IsType<WeChatAuthenticationException>(exception.InnerException);
    }
}
