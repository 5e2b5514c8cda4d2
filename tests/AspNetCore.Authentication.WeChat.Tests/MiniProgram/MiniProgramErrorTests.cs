using Microsoft.Extensions.Logging;
using System.Net;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;

namespace AspNetCore.Authentication.WeChat.Tests.MiniProgram;

/// <summary>Each of WeChat's answers to jscode2session becomes its status and stable problem type, calling WeChat once.</summary>
public class MiniProgramErrorTests
{
    [Theory]
    [InlineData(40029, "invalid code", 400, WeChatProblems.InvalidCode, "InvalidCode")]
    [InlineData(40163, "code been used", 400, WeChatProblems.InvalidCode, "InvalidCode")]
    [InlineData(45011, "api minute-quota reach limit mustslower retry next minute", 429, WeChatProblems.RateLimited, "RateLimited")]
    [InlineData(40226, "code blocked", 403, WeChatProblems.UserBlocked, "UserBlocked")]
    [InlineData(-1, "system error", 503, WeChatProblems.WeChatUnavailable, "WeChatBusy")]
    [InlineData(40013, "invalid appid", 500, WeChatProblems.ServerError, "ConfigurationError")]
    [InlineData(40125, "invalid appsecret", 500, WeChatProblems.ServerError, "ConfigurationError")]
    [InlineData(40164, "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist", 500, WeChatProblems.ServerError, "IpAddressNotAllowed")]
    public async Task An_errcode_becomes_its_status_and_problem_type(int errcode, string errmsg, int status, string type, string kind)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Error(errcode, errmsg);

        var response = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        var problem = await MiniProgramTestHost.ProblemAsync(response, status, type);
        if (status == 500)
        {
            // A server error tells an anonymous caller nothing about the configuration; the log has it.
            Assert.False(problem.TryGetProperty("errcode", out _));
            Assert.False(problem.TryGetProperty("kind", out _));
            Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 1008 && e.Message.Contains(errcode.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(errcode, problem.GetProperty("errcode").GetInt32());
            Assert.Equal(kind, problem.GetProperty("kind").GetString());
        }

        var text = problem.GetRawText();
        Assert.DoesNotContain(FakeMiniProgramWeChat.AppSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113", text, StringComparison.Ordinal);
        Assert.DoesNotContain(errmsg, text, StringComparison.Ordinal);
        Assert.Equal(1, host.Fake.SessionRequests);
        Assert.Equal(errcode switch { 45011 => "60", -1 => "5", _ => null }, response.Headers.RetryAfter?.ToString());
        Assert.DoesNotContain("203.0.113", host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeMiniProgramWeChat.AppSecret, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40029, LogLevel.Information, 1301)]
    [InlineData(40013, LogLevel.Warning, 1008)]
    public async Task A_failure_is_logged_once_with_an_event_id(int errcode, LogLevel level, int eventId)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Error(errcode, "some error");

        await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        var entry = Assert.Single(host.Logs.Entries, e => e.Level >= LogLevel.Information && e.Category.StartsWith("AspNetCore.Authentication.WeChat", StringComparison.Ordinal));
        Assert.Equal(level, entry.Level);
        Assert.Equal(eventId, entry.EventId.Id);
    }

    [Fact]
    public async Task WeChat_not_answering_in_time_is_503()
    {
        await using var host = await MiniProgramTestHost.StartAsync(o => o.BackchannelTimeout = TimeSpan.FromMilliseconds(200));
        host.Fake.SessionDelay = TimeSpan.FromSeconds(5);

        var response = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        var problem = await MiniProgramTestHost.ProblemAsync(response, 503, WeChatProblems.WeChatUnavailable);
        Assert.Equal("WeChatTimeout", problem.GetProperty("kind").GetString());
        Assert.False(problem.TryGetProperty("errcode", out _));
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>", HttpStatusCode.BadGateway, 503, WeChatProblems.WeChatUnavailable)]
    [InlineData("<html>not json</html>", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"openid":["oVictim_0123456789abcdefghij"],"session_key":"tiihtNczf5v6AKRyjwEUhQ=="}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"openid":"oMp_0123456789abcdefghijklmn"}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"openid":"oMp_0123456789abcdefghijklmn","session_key":"short"}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"openid":"oMp_0123456789abcdefghijklmn","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":{"x":1}}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"openid":"oMp_0123456789abcdefghijklmn","openid":"oVictim_0123456789abcdefghij","session_key":"tiihtNczf5v6AKRyjwEUhQ=="}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    [InlineData("""{"error":"invalid_grant","error_description":"<script>"}""", HttpStatusCode.OK, 502, WeChatProblems.InvalidResponse)]
    public async Task A_hostile_or_broken_answer_signs_nobody_in(string body, HttpStatusCode httpStatus, int status, string type)
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ => FakeWeChat.Json(body, status: httpStatus);

        var response = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        var problem = await MiniProgramTestHost.ProblemAsync(response, status, type);
        Assert.DoesNotContain("<", problem.GetRawText(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_redirect_from_WeChat_is_not_followed()
    {
        await using var host = await MiniProgramTestHost.StartAsync();
        host.Fake.SessionResponse = _ =>
        {
            var redirect = new HttpResponseMessage(HttpStatusCode.Found);
            redirect.Headers.Location = new Uri("https://attacker.example/steal");
            return redirect;
        };

        var response = await host.SignInAsync("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

        await MiniProgramTestHost.ProblemAsync(response, 502, WeChatProblems.InvalidResponse);
        Assert.DoesNotContain(host.Fake.Requests, r => r.Host == "attacker.example");
    }
}
