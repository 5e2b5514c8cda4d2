using AspNetCore.Authentication.WeChat.AccessTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Checks at start-up that <see cref="WeChatAuthenticationOptions.FollowerInformationAccessToken"/> names a registered
/// token of the same official account, whose token may go to <see cref="WeChatAuthenticationOptions.FollowerInformationEndpoint"/>.
/// </summary>
internal sealed class WeChatFollowerInformationValidation(IServiceProvider services) : IValidateOptions<WeChatAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatAuthenticationOptions options)
    {
        if (options.FollowerInformationAccessToken is not { Length: > 0 } tokenName)
        {
            return ValidateOptionsResult.Skip;
        }

        if (services.GetKeyedService<WeChatAccessTokenProvider>(tokenName) is not { } provider)
        {
            return ValidateOptionsResult.Fail(
                $"WeChat scheme '{name}': the 'FollowerInformationAccessToken' option names the access token '{tokenName}', but none is registered with that name: call services.AddWeChatAccessToken(\"{tokenName}\", …) for the official account.");
        }

        var tokenAppId = services.GetRequiredService<IOptionsMonitor<WeChatAccessTokenOptions>>().Get(tokenName).AppId;
        if (!string.Equals(tokenAppId, options.AppId, StringComparison.Ordinal))
        {
            // An openid belongs to one app: another app's token answers 40003 (invalid openid) for every user.
            return ValidateOptionsResult.Fail(
                $"WeChat scheme '{name}': the access token '{tokenName}' named by 'FollowerInformationAccessToken' is for AppID '{tokenAppId}', not this scheme's '{options.AppId}'; openids are per app, so it must be the same official account's token.");
        }

        return Uri.TryCreate(options.FollowerInformationEndpoint, UriKind.Absolute, out var endpoint) && !provider.MayReceiveToken(endpoint)
            ? ValidateOptionsResult.Fail(
                $"WeChat scheme '{name}': the 'FollowerInformationEndpoint' option must be on https://api.weixin.qq.com or the host of the token endpoints of '{tokenName}', which alone may receive its token, but it is '{options.FollowerInformationEndpoint}'.")
            : ValidateOptionsResult.Success;
    }
}
