using System.Net;
using System.Text;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>Requests that are not a sign-in are refused with a specific status before WeChat is called.</summary>
public class MiniProgramRequestTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("""{"code":null}""")]
    [InlineData("""{"code":""}""")]
    [InlineData("""{"code":42}""")]
    [InlineData("""{"code":["abc"]}""")]
    [InlineData("""{"code":"has space"}""")]
    [InlineData("""{"code":"code\u0000nul"}""")]
    [InlineData("""{"code":"\ud800"}""")]
    [InlineData("""{"code":"a","code":"b"}""")]
    [InlineData("""["code"]""")]
    [InlineData("\"code\"")]
    [InlineData("{\"code\":")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task A_body_without_one_well_formed_code_is_400(string body)
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram", new StringContent(body, Encoding.UTF8, "application/json"));

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidRequest);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task An_oversized_code_is_400()
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.SignInAsync(new string('a', 129));

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidRequest);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_body_is_400_whether_or_not_it_declares_its_length(bool declared)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var body = "{\"code\":\"abc\",\"padding\":\"" + new string('x', 8 * 1024) + "\"}";
        HttpContent content = declared
            ? new StringContent(body, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        if (!declared)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            content.Headers.ContentLength = null;
        }

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram", content);

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidRequest);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task A_body_that_is_not_json_is_415(string contentType)
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram", new StringContent("""{"code":"abc"}""", Encoding.UTF8, contentType));

        await MiniProgramTestHost.ProblemAsync(response, 415, WeChatProblems.UnsupportedMediaType);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task Json_with_a_charset_or_a_json_suffix_is_accepted()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var code = host.Fake.Login(new FakeMiniProgramUser("oMpCharset_0123456789abcdefg"));

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram", new StringContent($$"""{"code":"{{code}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Other_methods_are_405(string method)
    {
        await using var host = await MiniProgramTestHost.StartAsync();

        var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/signin-wechat-miniprogram?code=abc"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, host.Fake.SessionRequests);
    }

    [Fact]
    public async Task A_code_in_the_query_string_is_not_taken()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        var code = host.Fake.Login(new FakeMiniProgramUser("oMpQuery_0123456789abcdefghi"));

        var response = await host.Client.PostAsync("/signin-wechat-miniprogram?code=" + code, new StringContent("{}", Encoding.UTF8, "application/json"));

        await MiniProgramTestHost.ProblemAsync(response, 400, WeChatProblems.InvalidRequest);
        Assert.Equal(0, host.Fake.SessionRequests);
    }
}
