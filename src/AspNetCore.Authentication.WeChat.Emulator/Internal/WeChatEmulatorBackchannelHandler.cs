using System.Net;
using System.Text;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Answers a scheme's calls to WeChat's server APIs in process, from the same route table as the HTTP endpoints, so
/// that the emulator embedded in an app needs neither a second port nor to know the app's own address.
/// </summary>
internal sealed class WeChatEmulatorBackchannelHandler(WeChatEmulator emulator) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (WeChatEmulatorRoutes.FindServerRoute(uri.AbsolutePath) is not { } route)
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        if (!string.Equals(route.Method, request.Method.Method, StringComparison.OrdinalIgnoreCase))
        {
            return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed);
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var answer = await route.Handle(emulator, new WeChatEmulatorRequest { RawQuery = uri.Query, Body = body }, cancellationToken).ConfigureAwait(false);

        var response = new HttpResponseMessage((HttpStatusCode)answer.StatusCode) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(answer.Body ?? "")) };
        if (answer.ContentType is not null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Type", answer.ContentType);
        }

        if (answer.Location is not null)
        {
            response.Headers.Location = new Uri(answer.Location, UriKind.RelativeOrAbsolute);
        }

        return response;
    }
}
