using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Lets the emulator answer the app's <see cref="IHttpClientFactory"/> clients: while a scheme or an access token uses
/// the emulator, a call to <c>https://api.weixin.qq.com</c> (which would carry the emulator's token, good for nothing
/// there) is answered in process instead of leaving the machine; every other call goes on unchanged. Appended after
/// the client's own handlers, so the access token handler has put the token on the request when the emulator sees it.
/// </summary>
/// <remarks>
/// Not the sign-in's own client (<see cref="WeChatAuthenticationDefaults.HttpClientName"/>): a scheme that signs in
/// against the emulator gets the emulator's backchannel anyway, and one with a real AppId must reach real WeChat.
/// </remarks>
internal sealed class WeChatEmulatorHttpClientPostConfigureOptions(WeChatEmulator emulator) : IPostConfigureOptions<HttpClientFactoryOptions>
{
    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (name != WeChatAuthenticationDefaults.HttpClientName)
        {
            options.HttpMessageHandlerBuilderActions.Add(builder => builder.AdditionalHandlers.Add(new WeChatEmulatorBackchannelHandler(emulator)));
        }
    }
}
