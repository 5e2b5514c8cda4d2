using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

/// <summary>The passive refresh: the token on every call, and one refresh and one repeat when WeChat rejects it.</summary>
public sealed class AccessTokenHandlerTests
{
    [Fact]
    public async Task Calls_carry_the_current_token_in_the_query_replacing_one_the_caller_put_there()
    {
        await using var host = TokenTestHost.Create();
        using var response = await host.ApiClient.GetAsync("cgi-bin/user/info?access_token=mine&openid=oUser&lang=zh_CN");
        Assert.Contains("\"subscribe\":1", await response.Content.ReadAsStringAsync());

        var sent = Assert.Single(host.WeChat.ApiRequests);
        var query = QueryHelpers.ParseQuery(sent.Query);
        Assert.Equal(await host.Provider.GetAsync(), Assert.Single(query["access_token"].ToArray()));
        Assert.Equal("oUser", query["openid"]);
        Assert.Equal("zh_CN", query["lang"]);
    }

    [Theory]
    [InlineData(WeChatAccessTokenMode.Stable)]
    [InlineData(WeChatAccessTokenMode.Classic)]
    public async Task A_storm_of_rejections_of_one_token_causes_one_refresh_and_each_call_is_repeated_once(WeChatAccessTokenMode mode)
    {
        await using var host = TokenTestHost.Create(o => o.Mode = mode);
        var first = await host.Provider.GetAsync();
        host.WeChat.Revoke(first);
        host.WeChat.HoldFirstApiCalls = 100;

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => host.CallApiAsync("oUser" + i))));

        Assert.All(answers, a => Assert.Contains("\"subscribe\":1", a));
        Assert.Equal(2, host.WeChat.Fetches);
        Assert.Equal(200, host.WeChat.ApiCalls);
        var second = await host.Provider.GetAsync();
        Assert.NotEqual(first, second);
        Assert.Equal(100, host.WeChat.ApiRequests.Count(u => u.Query.Contains(Uri.EscapeDataString(second), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task When_WeChat_hands_back_the_token_it_rejected_the_rejection_is_passed_on_not_repeated()
    {
        await using var host = TokenTestHost.Create();
        await host.Provider.GetAsync();
        // The API refuses a token the token API still calls valid (stable_token returns the same one).
        host.WeChat.ApiErrorCode = 40001;

        var answer = await host.CallApiAsync();

        Assert.Contains("40001", answer);
        Assert.Equal(1, host.WeChat.ApiCalls);
        Assert.Equal(2, host.WeChat.Fetches);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "WeChatAccessTokenRejectedAgain");
    }

    [Theory]
    [InlineData(40014)]
    [InlineData(42001)]
    public async Task Invalid_and_expired_token_codes_are_rejections_too(int errorCode)
    {
        await using var host = TokenTestHost.Create(o => o.Mode = WeChatAccessTokenMode.Classic);
        await host.Provider.GetAsync();
        host.WeChat.ApiErrorCode = errorCode;

        var answer = await host.CallApiAsync();

        Assert.Contains(errorCode.ToString(System.Globalization.CultureInfo.InvariantCulture), answer);
        Assert.Equal(2, host.WeChat.ApiCalls);
        Assert.Equal(2, host.WeChat.Fetches);
    }

    [Fact]
    public async Task Other_errcodes_are_passed_on_without_a_refresh()
    {
        await using var host = TokenTestHost.Create();
        await host.Provider.GetAsync();
        host.WeChat.ApiErrorCode = 40003;

        Assert.Contains("40003", await host.CallApiAsync());
        Assert.Equal(1, host.WeChat.ApiCalls);
        Assert.Equal(1, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_repeated_call_sends_its_body_again()
    {
        var bodies = new List<string>();
        var tokens = new List<string>();
        var api = new DelegateHandler(async request =>
        {
            bodies.Add(await request.Content!.ReadAsStringAsync());
            tokens.Add(QueryHelpers.ParseQuery(request.RequestUri!.Query)["access_token"]!);
            return bodies.Count == 1
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"errcode":42001,"errmsg":"access_token expired"}""") }
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"errcode":0,"errmsg":"ok"}""") };
        });
        await using var host = TokenTestHost.Create(o => o.Mode = WeChatAccessTokenMode.Classic, services: s => s.AddHttpClient("post")
            .AddWeChatAccessTokenHandler(TokenTestHost.Name).ConfigurePrimaryHttpMessageHandler(() => api));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("post");

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{"code":"abc"}"""));
        using var response = await client.PostAsync("https://api.weixin.qq.com/wxa/business/getuserphonenumber", new StreamContent(stream));

        Assert.Contains("\"errcode\":0", await response.Content.ReadAsStringAsync());
        Assert.Equal(["""{"code":"abc"}""", """{"code":"abc"}"""], bodies);
        Assert.NotEqual(tokens[0], tokens[1]);
    }

    [Fact]
    public async Task A_large_or_binary_answer_is_passed_on_unread()
    {
        var image = new byte[10_000];
        var api = new DelegateHandler(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(image) { Headers = { ContentType = new("image/jpeg") } },
        }));
        await using var host = TokenTestHost.Create(services: s => s.AddHttpClient("media")
            .AddWeChatAccessTokenHandler(TokenTestHost.Name).ConfigurePrimaryHttpMessageHandler(() => api));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("media");

        using var response = await client.GetAsync("https://api.weixin.qq.com/cgi-bin/media/get?media_id=1", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(image.Length, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(1, api.Calls);
    }

    [Theory]
    [InlineData("https://evil.example/cgi-bin/user/info")]
    [InlineData("http://api.weixin.qq.com/cgi-bin/user/info")]
    [InlineData("https://api.weixin.qq.com.evil.example/cgi-bin/user/info")]
    [InlineData("https://api.weixin.qq.com:8443/cgi-bin/user/info")]
    public async Task The_token_is_never_sent_to_another_host(string url)
    {
        var api = new DelegateHandler(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)));
        await using var host = TokenTestHost.Create(services: s => s.AddHttpClient("any")
            .AddWeChatAccessTokenHandler(TokenTestHost.Name).ConfigurePrimaryHttpMessageHandler(() => api));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("any");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync(url));
        Assert.Contains("only sent to api.weixin.qq.com", failure.Message);
        Assert.Equal(0, api.Calls);
        Assert.Equal(0, host.WeChat.Fetches);
    }

    [Fact]
    public async Task The_token_goes_to_the_host_of_the_providers_own_token_endpoint()
    {
        var api = new DelegateHandler(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") }));
        await using var host = TokenTestHost.Create(o => o.StableTokenEndpoint = "http://127.0.0.1:5999/cgi-bin/stable_token", services: s => s.AddHttpClient("local")
            .AddWeChatAccessTokenHandler(TokenTestHost.Name).ConfigurePrimaryHttpMessageHandler(() => api));
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("local");

        using var response = await client.GetAsync("http://127.0.0.1:5999/cgi-bin/user/info?openid=o");
        Assert.Equal(1, api.Calls);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync("http://127.0.0.1:6000/cgi-bin/user/info?openid=o"));
    }

    [Fact]
    public async Task Without_a_token_the_call_fails_with_the_providers_failure_and_nothing_is_sent()
    {
        await using var host = TokenTestHost.Create();
        host.WeChat.ErrorCode = 40164;

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => host.CallApiAsync());
        Assert.Equal(WeChatFailureKind.IpAddressNotAllowed, failure.Kind);
        Assert.Equal(0, host.WeChat.ApiCalls);
    }

    private sealed class DelegateHandler(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return answer(request);
        }
    }
}
