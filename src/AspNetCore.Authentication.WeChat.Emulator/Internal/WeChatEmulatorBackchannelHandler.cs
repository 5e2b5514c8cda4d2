using System.Net;
using System.Text;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Answers an app's calls to WeChat's server APIs in process, from the same route table as the HTTP endpoints, so
/// that the emulator embedded in an app needs neither a second port nor to know the app's own address. It answers
/// calls to the emulator's placeholder origin and, while the emulator is in use, the calls to <c>api.weixin.qq.com</c>
/// made with its AppID or its tokens; any other call goes on to the inner handler (the network, or a fake WeChat on a
/// port), or fails when there is none.
/// </summary>
internal sealed class WeChatEmulatorBackchannelHandler : DelegatingHandler
{
    private readonly WeChatEmulator _emulator;

    /// <summary>A handler that answers everything it can and refuses the rest with 404.</summary>
    public WeChatEmulatorBackchannelHandler(WeChatEmulator emulator) => _emulator = emulator;

    /// <summary>A handler that passes what it does not answer to <paramref name="inner"/>.</summary>
    public WeChatEmulatorBackchannelHandler(WeChatEmulator emulator, HttpMessageHandler inner)
        : base(inner) => _emulator = emulator;

    /// <summary>
    /// A handler that answers what it can and sends the rest over the network, following no redirect (WeChat's APIs
    /// never redirect).
    /// </summary>
    public static WeChatEmulatorBackchannelHandler WithNetwork(WeChatEmulator emulator)
        => new(emulator, new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var placeholder = uri.GetLeftPart(UriPartial.Authority) == WeChatEmulatorDefaults.PlaceholderOrigin;
        var weChat = !placeholder && _emulator.IsInUse && uri.Scheme == Uri.UriSchemeHttps && string.Equals(uri.Host, "api.weixin.qq.com", StringComparison.OrdinalIgnoreCase);
        if (!placeholder && !weChat)
        {
            return await PassOnAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // Buffered: a call to WeChat's host that is not the emulator's is sent on with its body.
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var emulated = new WeChatEmulatorRequest { RawQuery = uri.Query, Body = body, ContentType = request.Content?.Headers.ContentType?.ToString() };
        if (weChat && !_emulator.Owns(emulated))
        {
            return await PassOnAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (WeChatEmulatorRoutes.FindServerRoute(uri.AbsolutePath, request.Method.Method) is not { } route)
        {
            return new HttpResponseMessage(WeChatEmulatorRoutes.FindServerRoute(uri.AbsolutePath, null) is null ? HttpStatusCode.NotFound : HttpStatusCode.MethodNotAllowed);
        }

        var answer = await _emulator.HandleAsync(route, emulated, cancellationToken).ConfigureAwait(false);

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

    private async Task<HttpResponseMessage> PassOnAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => InnerHandler is null
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
}
