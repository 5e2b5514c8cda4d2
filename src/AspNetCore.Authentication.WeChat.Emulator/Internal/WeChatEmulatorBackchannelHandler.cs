using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Answers the handler's calls to the token and user information endpoints in process, so that the emulator
/// embedded in an app needs neither a second port nor to know the app's own address.
/// </summary>
internal sealed class WeChatEmulatorBackchannelHandler(WeChatEmulator emulator) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var query = QueryHelpers.ParseQuery(uri.Query);
        string? Get(string name) => query.TryGetValue(name, out var value) ? value.ToString() : null;

        string body;
        if (request.Method != HttpMethod.Get)
        {
            return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed);
        }
        else if (uri.AbsolutePath.EndsWith("/sns/oauth2/access_token", StringComparison.Ordinal))
        {
            body = await emulator.ExchangeCodeAsync(Get("appid"), Get("secret"), Get("code"), Get("grant_type"), cancellationToken).ConfigureAwait(false);
        }
        else if (uri.AbsolutePath.EndsWith("/sns/userinfo", StringComparison.Ordinal))
        {
            body = emulator.GetUserInfo(Get("access_token"), Get("openid"));
        }
        else
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", WeChatEmulator.ContentType);
        return response;
    }
}
