using AspNetCore.Authentication.WeChat.AccessTokens;
using AspNetCore.Authentication.WeChat.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Authentication.WeChat.Tests.AccessTokens;

/// <summary>A service provider with one access token provider ("oa") against <see cref="FakeTokenWeChat"/>, on a fake clock.</summary>
public sealed class TokenTestHost : IAsyncDisposable
{
    public const string Name = "oa";

    private TokenTestHost(ServiceProvider services, FakeTimeProvider time, FakeTokenWeChat weChat, CapturingLoggerProvider logs)
    {
        Services = services;
        Time = time;
        WeChat = weChat;
        Logs = logs;
    }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Time { get; }

    public FakeTokenWeChat WeChat { get; }

    public CapturingLoggerProvider Logs { get; }

    public IWeChatAccessTokenProvider Provider => Services.GetRequiredKeyedService<IWeChatAccessTokenProvider>(Name);

    internal WeChatAccessTokenProvider Internal => Services.GetRequiredKeyedService<WeChatAccessTokenProvider>(Name);

    /// <summary>A client of the fake's API (<see cref="FakeTokenWeChat.ApiPath"/>) with the passive-refresh handler.</summary>
    public HttpClient ApiClient => Services.GetRequiredService<IHttpClientFactory>().CreateClient("api");

    public static TokenTestHost Create(
        Action<WeChatAccessTokenOptions>? configure = null,
        IDistributedCache? sharedCache = null,
        FakeTimeProvider? time = null,
        FakeTokenWeChat? weChat = null,
        Action<IServiceCollection>? services = null)
    {
        time ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        weChat ??= new FakeTokenWeChat(time);
        var logs = new CapturingLoggerProvider();
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        if (sharedCache is not null)
        {
            collection.AddSingleton(sharedCache);
        }

        var fake = weChat;
        collection.AddWeChatAccessToken(Name, o =>
        {
            o.AppId = FakeTokenWeChat.AppId;
            o.AppSecret = FakeTokenWeChat.AppSecret;
            o.Backchannel = new HttpClient(fake, disposeHandler: false);
            configure?.Invoke(o);
        });
        collection.AddHttpClient("api", c => c.BaseAddress = new Uri("https://api.weixin.qq.com/"))
            .AddWeChatAccessTokenHandler(Name)
            .ConfigurePrimaryHttpMessageHandler(() => fake);
        services?.Invoke(collection);
        return new TokenTestHost(collection.BuildServiceProvider(validateScopes: true), time, weChat, logs);
    }

    /// <summary>Calls the fake's API through the passive-refresh handler, as an app would.</summary>
    public async Task<string> CallApiAsync(string openId = "oUser")
    {
        using var response = await ApiClient.GetAsync($"{FakeTokenWeChat.ApiPath.TrimStart('/')}?openid={openId}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Waits for a refresh ahead that a hit started in the background.</summary>
    public async Task SettleAsync()
    {
        if (Internal.PendingRefresh is { } pending)
        {
            await pending.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
