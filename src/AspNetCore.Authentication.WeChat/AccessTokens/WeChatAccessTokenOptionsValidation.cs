using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.AccessTokens;

/// <summary>Runs <see cref="WeChatAccessTokenOptions.Validate"/> for every named provider, naming it in the message.</summary>
internal sealed class WeChatAccessTokenOptionsValidation : IValidateOptions<WeChatAccessTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatAccessTokenOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"WeChat access token '{name}': {ex.Message}");
        }
    }
}
