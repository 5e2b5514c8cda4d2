using System.Globalization;
using System.Net;
using AspNetCore.Authentication.WeChat;
using AspNetCore.Authentication.WeChat.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MvcSample.Tests.WebFarm;

/// <summary>
/// Two instances of the sample behind an imaginary load balancer, in the sample's own farm mode (ConnectionStrings:Redis):
/// Microsoft's AddStackExchangeRedisCache, the Data Protection key ring in Redis, the package's Redis atomic store, each
/// instance with its own memory and Redis connection, against one real redis-server and one WeChat-compatible server.
/// </summary>
public sealed class WebFarm : IAsyncDisposable
{
    public const int NumberedUsers = 200;

    private WebFarm(RedisServer redis, WebApplication emulator, Uri emulatorAddress)
    {
        Redis = redis;
        Emulator = emulator;
        EmulatorAddress = emulatorAddress;
    }

    public RedisServer Redis { get; }

    public WebApplication Emulator { get; }

    public Uri EmulatorAddress { get; }

    /// <summary>Every log line of both instances, with exceptions.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    public WebApplicationFactory<Program> A { get; private set; } = null!;

    public WebApplicationFactory<Program> B { get; private set; } = null!;

    public static WeChatEmulatorUser User(int i) => new()
    {
        OpenId = string.Create(CultureInfo.InvariantCulture, $"oFarmUser{i:D4}"),
        UnionId = string.Create(CultureInfo.InvariantCulture, $"uFarmUser{i:D4}"),
        Nickname = string.Create(CultureInfo.InvariantCulture, $"农场用户{i}"),
    };

    /// <summary>
    /// Starts a farm whose instances give up on the state store after <paramref name="stateStoreTimeout"/>, and whose
    /// Redis client after <paramref name="redisTimeout"/>; the official account's token service runs in
    /// <paramref name="tokenMode"/>, and both instances and WeChat share <paramref name="time"/> when one is given.
    /// </summary>
    public static async Task<WebFarm> StartAsync(TimeSpan stateStoreTimeout, TimeSpan redisTimeout, string tokenMode = "Stable", TimeProvider? time = null)
    {
        var redis = await RedisServer.StartAsync();
        var (emulator, address) = await KestrelHosts.StartStandaloneEmulatorAsync(time, o =>
        {
            o.Users.Clear();
            for (var i = 0; i < NumberedUsers; i++)
            {
                o.Users.Add(User(i));
            }
        });
        var farm = new WebFarm(redis, emulator, address);
        farm.A = farm.CreateInstance(stateStoreTimeout, redisTimeout, tokenMode, time);
        farm.B = farm.CreateInstance(stateStoreTimeout, redisTimeout, tokenMode, time);
        return farm;
    }

    private WebApplicationFactory<Program> CreateInstance(TimeSpan stateStoreTimeout, TimeSpan redisTimeout, string tokenMode, TimeProvider? time)
    {
        var origin = EmulatorAddress.ToString().TrimEnd('/');
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseEnvironment("Production")
            .UseSetting("Authentication:WeChat:AppId", "wxe0e0e0e0e0e0e0e0")
            .UseSetting("Authentication:WeChat:AppSecret", KestrelHosts.EmulatorSecret)
            .UseSetting("Authentication:WeChat:AuthorizationEndpoint", origin + "/connect/oauth2/authorize")
            .UseSetting("Authentication:WeChat:TokenEndpoint", origin + "/sns/oauth2/access_token")
            .UseSetting("Authentication:WeChat:UserInformationEndpoint", origin + "/sns/userinfo")
            .UseSetting("Authentication:WeChat:StateStoreTimeout", stateStoreTimeout.ToString("c", CultureInfo.InvariantCulture))
            .UseSetting("WeChat:AccessToken:Mode", tokenMode)
            .UseSetting("WeChat:AccessToken:StableTokenEndpoint", origin + "/cgi-bin/stable_token")
            .UseSetting("WeChat:AccessToken:TokenEndpoint", origin + "/cgi-bin/token")
            .UseSetting("WeChat:Api:UserInfoEndpoint", origin + "/cgi-bin/user/info")
            .UseSetting("Authentication:WeChatMiniProgram:AppId", "wxe1e1e1e1e1e1e1e1")
            .UseSetting("Authentication:WeChatMiniProgram:AppSecret", KestrelHosts.EmulatorMiniProgramSecret)
            .UseSetting("Authentication:WeChatMiniProgram:SessionEndpoint", origin + "/sns/jscode2session")
            .UseSetting("Authentication:WeChatMiniProgram:PhoneNumberEndpoint", origin + "/wxa/business/getuserphonenumber")
            .UseSetting("Authentication:WeChatMiniProgram:StableTokenEndpoint", origin + "/cgi-bin/stable_token")
            .UseSetting("ConnectionStrings:Redis", Redis.ConfigurationWithTimeout((int)redisTimeout.TotalMilliseconds))
            // Hundreds of concurrent sign-ins come from one test process.
            .UseSetting("SignInRateLimit:PermitsPerMinute", "0")
            .ConfigureTestServices(services =>
            {
                if (time is not null)
                {
                    services.AddSingleton(time);
                }
            })
            .ConfigureLogging(logging => logging.AddProvider(new QueueLoggerProvider(Logs)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace)));
        factory.StartServer();
        return factory;
    }

    public FarmBrowser CreateBrowser() => new(this);

    /// <summary>
    /// The one client of an instance. WebApplicationFactory keeps the clients it creates in a list that is not safe for
    /// concurrent use (hundreds of concurrent creations once left a null in it, and disposing the factory threw), so each
    /// instance's client is created once and shared; cookies travel per request.
    /// </summary>
    public HttpClient Client(WebApplicationFactory<Program> instance)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(instance, out var client))
            {
                client = instance.CreateDefaultClient(new Uri("http://localhost/"));
                _clients[instance] = client;
            }

            return client;
        }
    }

    private readonly Dictionary<WebApplicationFactory<Program>, HttpClient> _clients = [];

    /// <summary>WeChat's consent: returns the callback URL for the user.</summary>
    public static async Task<Uri> ConsentAsync(Uri authorize, int user)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var consent = await client.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = authorize.Query, ["user"] = user.ToString(CultureInfo.InvariantCulture), ["decision"] = "allow",
        }));
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        return consent.Headers.Location!;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Emulator.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>One browser: one cookie jar, whichever instance the load balancer picks for each request.</summary>
public sealed class FarmBrowser(WebFarm farm)
{
    private readonly CookieContainer _cookies = new();

    /// <summary>A browser holding only the cookies <paramref name="response"/> set: who that one answer signed in.</summary>
    public FarmBrowser WithCookiesOf(HttpResponseMessage response)
    {
        var browser = new FarmBrowser(farm);
        foreach (var setCookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            browser._cookies.SetCookies(new Uri("http://localhost/"), setCookie);
        }

        return browser;
    }

    public async Task<HttpResponseMessage> GetAsync(WebApplicationFactory<Program> instance, Uri url)
    {
        var client = farm.Client(instance);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var cookies = _cookies.GetCookieHeader(url);
        if (cookies.Length > 0)
        {
            request.Headers.Add("Cookie", cookies);
        }

        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                _cookies.SetCookies(url, setCookie);
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(WebApplicationFactory<Program> instance, string path) => GetAsync(instance, new Uri(new Uri("http://localhost/"), path));

    /// <summary>Anonymous /Profile on <paramref name="instance"/>, through the app's own redirects: the 302 to WeChat.</summary>
    public async Task<Uri> ChallengeAsync(WebApplicationFactory<Program> instance)
    {
        var url = new Uri("http://localhost/Profile");
        for (var hops = 0; hops < 5; hops++)
        {
            var response = await GetAsync(instance, url);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            url = new Uri(url, response.Headers.Location!);
            if (url.Authority == farm.EmulatorAddress.Authority)
            {
                return url;
            }
        }

        throw new InvalidOperationException("too many redirects before WeChat");
    }

    /// <summary>Follows redirects on the farm (each hop on the given instance) and returns the final path and page.</summary>
    public async Task<(string PathAndQuery, string Html)> FollowAsync(WebApplicationFactory<Program> instance, Uri url)
    {
        for (var hops = 0; hops < 5; hops++)
        {
            var response = await GetAsync(instance, url);
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                return (url.PathAndQuery, await response.Content.ReadAsStringAsync());
            }

            url = new Uri(url, response.Headers.Location!);
        }

        throw new InvalidOperationException("too many redirects");
    }
}

internal sealed class QueueLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> logs) : Microsoft.Extensions.Logging.ILoggerProvider
{
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new QueueLogger(logs, categoryName);

    public void Dispose()
    {
    }

    private sealed class QueueLogger(System.Collections.Concurrent.ConcurrentQueue<string> logs, string category) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => logs.Enqueue($"{logLevel} {category}[{eventId.Name}] {formatter(state, exception)} {exception}");
    }
}
