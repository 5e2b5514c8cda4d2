using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AspNetCore.Authentication.WeChat.Benchmarks;

/// <summary>
/// An identity provider's API answered in memory, at the backchannel: no sockets. Each route answers a fixed body, so the
/// fake costs the same for WeChat and for the standard OAuth baseline.
/// </summary>
internal sealed class FakeApiHandler(string contentType, IReadOnlyDictionary<string, string> bodies) : HttpMessageHandler
{
    private readonly Dictionary<string, byte[]> _bodies = bodies.ToDictionary(b => b.Key, b => Encoding.UTF8.GetBytes(b.Value), StringComparer.Ordinal);
    private readonly MediaTypeHeaderValue _contentType = MediaTypeHeaderValue.Parse(contentType);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!_bodies.TryGetValue(request.RequestUri!.AbsolutePath, out var body))
        {
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = _contentType;
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
    }
}
