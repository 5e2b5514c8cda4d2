using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// An <see cref="IServer"/> without a transport: requests go straight into the app's hosting pipeline
/// (<see cref="IHttpApplication{TContext}"/>), as Kestrel would hand them over, so a benchmark measures the middleware
/// and handlers and not sockets.
/// </summary>
internal sealed class InMemoryServer : IServer
{
    private Func<IFeatureCollection, Task<InMemoryResponse>>? _send;

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        _send = async features =>
        {
            var context = application.CreateContext(features);
            Exception? failure = null;
            try
            {
                await application.ProcessRequestAsync(context).ConfigureAwait(false);
                await ((InMemoryResponseFeature)features.Get<IHttpResponseFeature>()!).StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure = ex;
                throw;
            }
            finally
            {
                application.DisposeContext(context, failure);
            }

            var response = features.Get<IHttpResponseFeature>()!;
            return new InMemoryResponse(response.StatusCode, response.Headers);
        };
        return Task.CompletedTask;
    }

    /// <summary>Sends a GET through the pipeline and returns the status and headers.</summary>
    public Task<InMemoryResponse> GetAsync(string pathAndQuery, string? cookie = null)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Method = "GET",
            Scheme = "http",
            Path = query < 0 ? pathAndQuery : pathAndQuery[..query],
            QueryString = query < 0 ? "" : pathAndQuery[query..],
        };
        request.Headers.Host = "app.example";
        if (cookie is not null)
        {
            request.Headers.Cookie = cookie;
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        var response = new InMemoryResponseFeature();
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        return (_send ?? throw new InvalidOperationException("The app has not started."))(features);
    }

    /// <summary>Sends a POST with a JSON body through the pipeline and returns the status and headers.</summary>
    public Task<InMemoryResponse> PostJsonAsync(string path, byte[] json)
    {
        var request = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Method = "POST",
            Scheme = "http",
            Path = path,
            QueryString = "",
            Body = new MemoryStream(json, writable: false),
        };
        request.Headers.Host = "app.example";
        request.Headers.ContentType = "application/json";
        request.Headers.ContentLength = json.Length;

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        var response = new InMemoryResponseFeature();
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        return (_send ?? throw new InvalidOperationException("The app has not started."))(features);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
