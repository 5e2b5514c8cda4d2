using System.Net;
using System.Text;
using AspNetCore.Authentication.WeChat.AccessTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

/// <summary>
/// What an attacker's review of the token service found: a storm when WeChat keeps rejecting tokens, a cut-short answer
/// that escaped as the wrong exception, an older token overwriting a newer one, a failed refetch that threw instead of
/// passing the rejection on, an unbounded read of API answers, and tokens handed out in their last seconds.
/// </summary>
public sealed class AccessTokenReviewTests
{
    [Theory]
    [InlineData(WeChatAccessTokenMode.Stable)]
    [InlineData(WeChatAccessTokenMode.Classic)]
    public async Task An_API_that_keeps_rejecting_every_token_causes_at_most_one_new_token_per_RetryInterval(WeChatAccessTokenMode mode)
    {
        // Another system on the same AppID (classic mode), or an API that answers 40001 for another reason: each
        // failing call must not cost a token call (2,000 a day, and each classic one kills the farm's tokens).
        await using var host = TokenTestHost.Create(o => o.Mode = mode);
        await host.Provider.GetAsync();
        host.WeChat.ApiErrorCode = 40001;

        for (var i = 0; i < 20; i++)
        {
            Assert.Contains("40001", await host.CallApiAsync());
        }

        Assert.Equal(2, host.WeChat.Fetches);

        host.Time.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++)
        {
            await host.CallApiAsync();
        }

        Assert.Equal(3, host.WeChat.Fetches);
    }

    [Fact]
    public async Task A_token_answer_cut_short_is_a_WeChat_unavailable_failure_and_waits_the_interval()
    {
        var weChat = new CutShortWeChat();
        await using var host = TokenTestHost.Create(o => o.Backchannel = new HttpClient(weChat));

        for (var i = 0; i < 3; i++)
        {
            var failure = await Assert.ThrowsAsync<WeChatApiException>(async () => await host.Provider.GetAsync());
            Assert.Equal(WeChatFailureKind.WeChatUnavailable, failure.Kind);
        }

        Assert.Equal(1, weChat.Calls);
        var health = await new WeChatAccessTokenHealthCheck(host.Provider).CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("wechat", _ => null!, HealthStatus.Unhealthy, null),
        });
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal("WeChatUnavailable", health.Data["kind"]);
    }

    [Fact]
    public async Task A_refresh_that_was_answered_before_a_force_refresh_cannot_bring_back_the_token_it_replaced()
    {
        var weChat = new ScriptedStableWeChat();
        await using var host = TokenTestHost.Create(o => o.Backchannel = new HttpClient(weChat));
        Assert.Equal("T1", await host.Provider.GetAsync());

        // A refresh ahead goes out, and WeChat's answer (still T1) is slow to arrive; meanwhile an operator forces T2.
        host.Time.Advance(TimeSpan.FromSeconds(7200 - 200));
        Assert.Equal("T1", await host.Provider.GetAsync());
        await weChat.SecondCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.Services.GetRequiredKeyedService<IWeChatAccessTokenOperator>(TokenTestHost.Name).ForceRefreshAsync();
        Assert.Equal("T2", await host.Provider.GetAsync());

        weChat.ReleaseSecondCall.SetResult();
        await host.SettleAsync();

        Assert.Equal("T2", await host.Provider.GetAsync());
    }

    [Fact]
    public async Task When_no_new_token_can_be_had_after_a_rejection_the_rejection_is_passed_on_not_thrown()
    {
        await using var host = TokenTestHost.Create(o => o.Mode = WeChatAccessTokenMode.Classic);
        var first = await host.Provider.GetAsync();
        host.WeChat.Revoke(first);
        host.WeChat.ErrorCode = 40164;
        host.WeChat.ErrorMessage = "invalid ip 101.226.140.169 ipv6 ::ffff:101.226.140.169, not in whitelist";

        var answer = await host.CallApiAsync();

        Assert.Contains("40001", answer);
        Assert.Equal(1, host.WeChat.ApiCalls);
    }

    [Fact]
    public async Task The_handler_reads_no_more_than_4_KiB_of_an_answer_before_the_caller_does_and_the_caller_gets_it_whole()
    {
        await using var host = TokenTestHost.Create();
        var body = new CountingStream(1024 * 1024);
        using var client = new HttpClient(new WeChatAccessTokenHandler(host.Internal, NullLoggerFactory.Instance)
        {
            InnerHandler = new Answer(() =>
            {
                // Chunked (no Content-Length), labelled text: the handler must look, but only at the start.
                var content = new StreamContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            }),
        });

        using var response = await client.GetAsync("https://api.weixin.qq.com/cgi-bin/user/info?openid=o", HttpCompletionOption.ResponseHeadersRead);

        Assert.InRange(body.BytesRead, 1, 8 * 1024);
        var read = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(1024 * 1024, read.Length);
        Assert.All(read, b => Assert.Equal((byte)'a', b));
    }

    [Fact]
    public async Task With_no_refresh_margin_a_token_is_still_never_handed_out_in_its_last_30_seconds()
    {
        await using var host = TokenTestHost.Create(o => o.RefreshMargin = TimeSpan.Zero);
        var first = await host.Provider.GetAsync();

        host.Time.Advance(TimeSpan.FromSeconds(7200 - 20));

        Assert.NotEqual(first, await host.Provider.GetAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A token endpoint whose answer promises 500 bytes and stops after a few.</summary>
    private sealed class CutShortWeChat : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var content = new StreamContent(new CutShortStream(Encoding.UTF8.GetBytes("""{"access_token":"abc""")));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            content.Headers.ContentLength = 500;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }

    private sealed class CutShortStream(byte[] start) : MemoryStream(start)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely.");
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>stable_token answering T1, then T1 again but only when released, then T2 (the force refresh).</summary>
    private sealed class ScriptedStableWeChat : HttpMessageHandler
    {
        private int _calls;

        public TaskCompletionSource SecondCallArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseSecondCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            var token = call == 3 ? "T2" : "T1";
            if (call == 2)
            {
                SecondCallArrived.SetResult();
                await ReleaseSecondCall.Task.WaitAsync(cancellationToken);
            }

            var json = $$"""{"access_token":"{{token}}","expires_in":{{(call == 2 ? 200 : 7200)}}}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json"), RequestMessage = request };
        }
    }

    private sealed class Answer(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = answer();
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }

    /// <summary>A body of <c>length</c> bytes of 'a', counting how many were read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - BytesRead);
            buffer[..n].Fill((byte)'a');
            Interlocked.Add(ref _read, n);
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
