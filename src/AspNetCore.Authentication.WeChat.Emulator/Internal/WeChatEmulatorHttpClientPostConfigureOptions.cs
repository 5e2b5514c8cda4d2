using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// Lets the emulator answer the package's own clients for WeChat's server APIs (named
/// <c>AspNetCore.Authentication.WeChat.Api:{access token name}</c>, such as a sign-in's follower lookup), as
/// <c>AddWeChatEmulatorHandler</c> does for an app's clients. Appended last, so the
/// access token is on the request when the emulator sees it.
/// </summary>
internal sealed class WeChatEmulatorHttpClientPostConfigureOptions(WeChatEmulator emulator) : IPostConfigureOptions<HttpClientFactoryOptions>
{
    private static readonly string ApiClientNamePrefix = WeChatAuthenticationDefaults.HttpClientName + ".Api:";

    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (name is not null && name.StartsWith(ApiClientNamePrefix, StringComparison.Ordinal))
        {
            options.HttpMessageHandlerBuilderActions.Add(builder => builder.AdditionalHandlers.Add(new WeChatEmulatorBackchannelHandler(emulator)));
        }
    }
}
