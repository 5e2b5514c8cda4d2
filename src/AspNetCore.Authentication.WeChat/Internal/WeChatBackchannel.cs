using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// The <see cref="IHttpClientFactory"/> client every flow calls WeChat through, unless an app brings its own.
/// </summary>
internal static class WeChatBackchannel
{
    public static readonly ProductInfoHeaderValue UserAgent = new(
        "AspNetCore.Authentication.WeChat",
        typeof(WeChatBackchannel).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>
    /// Registers the named client once: by the first of <c>AddWeChat</c> or <c>AddWeChatAccessToken</c>, so that a later
    /// registration never undoes what the app configured on the client in between.
    /// </summary>
    public static void AddTo(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return;
        }

        services.TryAddSingleton<Marker>();
        services.AddHttpClient(WeChatAuthenticationDefaults.HttpClientName)
            // Like the framework's own OAuth handlers, the backchannel is not request-logged: the factory's loggers write
            // eight Information lines per sign-in, and WeChat's URLs carry the AppSecret and access tokens in their query.
            // The API client logs failures itself.
            .RemoveAllLoggers()
            // The options keep one client for the app's lifetime, so its pool (not the factory) recycles connections,
            // letting a change of WeChat's API addresses take effect.
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // WeChat's APIs never redirect; following one would send the AppSecret and the code elsewhere.
                AllowAutoRedirect = false,
            });
    }

    /// <summary>The sign-in's client from the factory, with the package's User-Agent and the given timeout.</summary>
    public static HttpClient Create(IHttpClientFactory factory, TimeSpan timeout)
        => Configure(factory.CreateClient(WeChatAuthenticationDefaults.HttpClientName), timeout);

    /// <summary>
    /// The name of the factory client that calls WeChat's server APIs with the global token of <paramref name="accessTokenName"/>
    /// (registered by <c>AddWeChatAccessToken</c>, with the passive-refresh handler).
    /// </summary>
    public static string ApiClientName(string accessTokenName) => WeChatAuthenticationDefaults.HttpClientName + ".Api:" + accessTokenName;

    /// <summary>The client for WeChat's server APIs with the global token of <paramref name="accessTokenName"/>.</summary>
    public static HttpClient CreateApiClient(IHttpClientFactory factory, string accessTokenName, TimeSpan timeout)
        => Configure(factory.CreateClient(ApiClientName(accessTokenName)), timeout);

    private static HttpClient Configure(HttpClient client, TimeSpan timeout)
    {
        if (timeout > TimeSpan.Zero)
        {
            // Otherwise Validate reports the setting; HttpClient would only throw ArgumentOutOfRangeException.
            client.Timeout = timeout;
        }

        client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
        return client;
    }

    private sealed class Marker;
}
