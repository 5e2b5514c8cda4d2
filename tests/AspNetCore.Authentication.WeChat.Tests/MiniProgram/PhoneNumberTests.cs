using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

public class PhoneNumberTests
{
    private static readonly FakeMiniProgramUser User = new("oMpPhone_0123456789abcdefghi", PhoneNumber: "13912345678");

    [Fact]
    public async Task A_phone_code_gives_the_users_number_with_the_global_token()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);

        var response = await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = host.Fake.PhoneCode(User) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var phone = (await response.Content.ReadFromJsonAsync<WeChatPhoneNumber>())!;
        Assert.Equal("13912345678", phone.PhoneNumber);
        Assert.Equal("13912345678", phone.PurePhoneNumber);
        Assert.Equal("86", phone.CountryCode);
        Assert.Contains(host.Fake.Requests, r => r.AbsolutePath == "/wxa/business/getuserphonenumber" && r.Query == "?access_token=" + FakeMiniProgramWeChat.GlobalToken);
    }

    [Fact]
    public async Task A_used_phone_code_is_400()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var code = host.Fake.PhoneCode(User);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code })).StatusCode);

        var problem = await MiniProgramTestHost.ProblemAsync(await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code }), 400, WeChatProblems.InvalidCode);

        Assert.Equal(40029, problem.GetProperty("errcode").GetInt32());
    }

    [Theory]
    [InlineData("wx0000000000000000")]
    [InlineData(null)]
    public async Task A_number_without_this_apps_watermark_is_refused(string? appId)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var watermark = appId is null ? "" : $$""","watermark":{"timestamp":1637744274,"appid":"{{appId}}"}""";
        host.Fake.PhoneResponse = () => FakeWeChat.Json("""{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13912345678","purePhoneNumber":"13912345678","countryCode":86""" + watermark + "}}");

        var response = await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = "0a1b2c3d4e5f60718293a4b5c6d7e8f9" });

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidOpenData);
    }

    [Theory]
    [InlineData("""{"errcode":0,"errmsg":"ok"}""")]
    [InlineData("""{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"<script>","purePhoneNumber":"1","countryCode":86,"watermark":{"appid":"wxa1b2c3d4e5f60718"}}}""")]
    [InlineData("""{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":["1"],"purePhoneNumber":"1","countryCode":86,"watermark":{"appid":"wxa1b2c3d4e5f60718"}}}""")]
    public async Task A_malformed_answer_is_502(string body)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        host.Fake.PhoneResponse = () => FakeWeChat.Json(body);

        var response = await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = "0a1b2c3d4e5f60718293a4b5c6d7e8f9" });

        var problem = await MiniProgramTestHost.ProblemAsync(response, 502, WeChatProblems.InvalidResponse);
        Assert.DoesNotContain("<script>", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_global_token_is_refreshed_once_and_the_call_repeated()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var tokens = await host.SignInAsync(User);
        var rejections = 1;
        host.Fake.PhoneResponse = () => Interlocked.Decrement(ref rejections) >= 0 ? FakeWeChat.Error(40001, "invalid credential, access_token is invalid or not latest") : null;

        var response = await host.SendAsync(HttpMethod.Post, "/phone", tokens.AccessToken, new { code = host.Fake.PhoneCode(User) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, host.Fake.PhoneRequests);
        Assert.Equal(2, host.Fake.Requests.Count(r => r.AbsolutePath == "/cgi-bin/stable_token"));
    }
}
