using System.Net;
using System.Text;
using System.Text.Json;
using AspNetCore.Authentication.WeChat.Api;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Authentication.WeChat.Tests;

/// <summary>
/// The one client every flow calls WeChat through, on its own: GET and POST-JSON requests, and the rules every answer
/// is read by, whichever flow calls.
/// </summary>
public class WeChatApiClientTests
{
    private static readonly WeChatApiEndpoint StableToken = new("WeChat's stable token endpoint", "https://api.weixin.qq.com/cgi-bin/stable_token");

    [Fact]
    public async Task A_POST_sends_its_JSON_body_as_application_json_with_the_query_escaped()
    {
        var wechat = new RecordingHandler(_ => FakeWeChat.Json("""{"access_token":"ACCESS_T","expires_in":7200}""", "application/json; encoding=utf-8"));
        var client = Client(wechat, out _);

        using var answer = await client.PostJsonAsync(
            StableToken,
            [("access_token", "a b&c=d")],
            """{"grant_type":"client_credential","appid":"wx1","secret":"s","force_refresh":false}"""u8.ToArray());

        Assert.Equal("ACCESS_T", answer.RootElement.GetProperty("access_token").GetString());
        var request = Assert.Single(wechat.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://api.weixin.qq.com/cgi-bin/stable_token?access_token=a%20b%26c%3Dd", request.Uri.AbsoluteUri);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal("client_credential", JsonDocument.Parse(request.Body).RootElement.GetProperty("grant_type").GetString());
        Assert.Contains("application/json", request.Accept, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_GET_appends_its_query_to_an_endpoint_that_already_has_one()
    {
        var wechat = new RecordingHandler(_ => FakeWeChat.Json("""{"errcode":0,"errmsg":"ok","openid":"o1"}"""));
        var client = Client(wechat, out _);

        using var answer = await client.GetAsync(new WeChatApiEndpoint("WeChat's test endpoint", "https://api.weixin.qq.com/x?fixed=1"), [("openid", "o/1")]);

        Assert.Equal("https://api.weixin.qq.com/x?fixed=1&openid=o%2F1", Assert.Single(wechat.Requests).Uri.AbsoluteUri);
        Assert.Null(Assert.Single(wechat.Requests).ContentType);
    }

    [Fact]
    public async Task An_errcode_in_a_POST_answer_is_a_failure_of_its_kind_logged_once_with_the_API_named()
    {
        var wechat = new RecordingHandler(_ => FakeWeChat.Error(40164, "invalid ip 101.226.140.169, not in whitelist"));
        var client = Client(wechat, out var logs);

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => client.PostJsonAsync(StableToken, [], "{}"u8.ToArray()));

        Assert.Equal(WeChatFailureKind.IpAddressNotAllowed, failure.Kind);
        Assert.Equal(40164, failure.ErrorCode);
        Assert.Equal("WeChat's stable token endpoint (https://api.weixin.qq.com/cgi-bin/stable_token)", failure.Api);
        Assert.StartsWith("WeChat's stable token endpoint (https://api.weixin.qq.com/cgi-bin/stable_token) returned errcode 40164 (invalid ip [IP], not in whitelist", failure.Message, StringComparison.Ordinal);
        var log = Assert.Single(logs.Entries);
        Assert.Equal("WeChatErrorCode", log.EventId.Name);
        Assert.DoesNotContain("101.226", logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_errcode_the_caller_expects_is_thrown_but_not_logged()
    {
        var client = Client(new RecordingHandler(_ => FakeWeChat.Error(48001, "api unauthorized")), out var logs);

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => client.GetAsync(StableToken, [], isExpected: static code => code == 48001));

        Assert.Equal(48001, failure.ErrorCode);
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public async Task A_check_that_refuses_the_answer_is_a_failure_logged_once()
    {
        var client = Client(new RecordingHandler(_ => FakeWeChat.Json("""{"openid":"o1"}""")), out var logs);

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => client.GetAsync(StableToken, [],
            check: static (answer, endpoint) => throw endpoint.Failure(WeChatFailureKind.InvalidResponse, "answered without an access_token")));

        Assert.Equal("WeChat's stable token endpoint (https://api.weixin.qq.com/cgi-bin/stable_token) answered without an access_token.", failure.Message);
        Assert.Equal(WeChatFailureKind.InvalidResponse, failure.Kind);
        Assert.Equal("WeChatRequestFailed", Assert.Single(logs.Entries).EventId.Name);
    }

    [Fact]
    public async Task The_timeout_covers_a_body_that_trickles()
    {
        var client = Client(new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TricklingStream()) }), out _, TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<WeChatApiException>(() => client.PostJsonAsync(StableToken, [], "{}"u8.ToArray()));

        Assert.Equal(WeChatFailureKind.WeChatTimeout, failure.Kind);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"waited {started.Elapsed}");
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_timeout()
    {
        var client = Client(new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TricklingStream()) }), out var logs);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync(StableToken, [], cancellationToken: cancel.Token));
        Assert.Empty(logs.Entries);
    }

    private static WeChatApiClient Client(RecordingHandler handler, out CapturingLoggerProvider logs, TimeSpan? timeout = null)
    {
        logs = new CapturingLoggerProvider();
#pragma warning disable CA2000 // The client owns its handler; both live as long as the test.
        return new WeChatApiClient(new HttpClient(handler), timeout ?? TimeSpan.FromSeconds(30), logs.CreateLogger("test"));
#pragma warning restore CA2000
    }

    private sealed record Recorded(HttpMethod Method, Uri Uri, string? ContentType, string Accept, string Body);

    private sealed class RecordingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<Recorded> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : Encoding.UTF8.GetString(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            Requests.Add(new Recorded(request.Method, request.RequestUri!, request.Content?.Headers.ContentType?.ToString(), request.Headers.Accept.ToString(), body));
            var response = answer(request);
            response.RequestMessage = request;
            return response;
        }
    }

    /// <summary>A body that sends a byte a second: headers arrive at once, the body never finishes in time.</summary>
    private sealed class TricklingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            buffer.Span[0] = (byte)' ';
            return 1;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
