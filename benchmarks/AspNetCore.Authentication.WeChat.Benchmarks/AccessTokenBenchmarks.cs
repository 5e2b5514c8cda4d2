using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// The global access-token provider: a cached <c>GetAsync</c> (target: under 100 ns, 0 bytes), and N callers at once on
/// a cold provider (target: one upstream call, which each iteration checks).
/// </summary>
[MemoryDiagnoser]
public class AccessTokenBenchmarks
{
    private const string Name = "official-account";
    private ServiceProvider _warm = null!;
    private IWeChatAccessTokenProvider _cached = null!;
    private ServiceProvider? _cold;
    private IWeChatAccessTokenProvider _coldProvider = null!;
    private CountingHandler _coldWeChat = null!;
    private Task<string>[] _callers = [];

    [Params(1000)]
    public int Callers { get; set; }

    [GlobalSetup]
    public async Task StartAsync()
    {
        (_warm, _cached, _) = Create();
        await _cached.GetAsync().ConfigureAwait(false);
        _callers = new Task<string>[Callers];
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        await _warm.DisposeAsync().ConfigureAwait(false);
        if (_cold is not null)
        {
            await _cold.DisposeAsync().ConfigureAwait(false);
        }
    }

    [Benchmark(Description = "GetAsync, cached token")]
    public ValueTask<string> CachedGetAsync() => _cached.GetAsync();

    [IterationSetup(Target = nameof(ConcurrentFirstFetch))]
    public void PrepareColdProvider()
    {
        _cold?.Dispose();
        (_cold, _coldProvider, _coldWeChat) = Create();
    }

    [IterationCleanup(Target = nameof(ConcurrentFirstFetch))]
    public void CheckOneUpstreamCall()
    {
        if (_coldWeChat.Calls != 1)
        {
            throw new InvalidOperationException($"{Callers} first callers made {_coldWeChat.Calls} upstream calls, not 1.");
        }
    }

    [Benchmark(Description = "N concurrent first callers, cold provider")]
    [InvocationCount(1)]
    public async Task<string> ConcurrentFirstFetch()
    {
        var provider = _coldProvider;
        for (var i = 0; i < _callers.Length; i++)
        {
            _callers[i] = Task.Run(async () => await provider.GetAsync().ConfigureAwait(false));
        }

        var tokens = await Task.WhenAll(_callers).ConfigureAwait(false);
        return tokens[^1];
    }

    private static (ServiceProvider Services, IWeChatAccessTokenProvider Provider, CountingHandler WeChat) Create()
    {
        var weChat = new CountingHandler(new FakeApiHandler("application/json; charset=utf-8", new Dictionary<string, string>
        {
            ["/cgi-bin/stable_token"] = """{"access_token":"ACCESS_TOKEN_0123456789abcdef0123456789abcdef","expires_in":7200}""",
        }));
        var services = new ServiceCollection()
            .AddLogging()
            .AddWeChatAccessToken(Name, o =>
            {
                o.AppId = "wxbench0123456789";
                o.AppSecret = "bench-app-secret";
                o.Backchannel = new HttpClient(weChat);
            })
            .BuildServiceProvider();
        return (services, services.GetRequiredKeyedService<IWeChatAccessTokenProvider>(Name), weChat);
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
