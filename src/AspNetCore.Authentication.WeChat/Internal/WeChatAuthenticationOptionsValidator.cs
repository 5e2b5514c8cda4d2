using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.Internal;

/// <summary>
/// Runs <see cref="WeChatAuthenticationOptions.Validate()"/> through the options system, so that with
/// <c>ValidateOnStart</c> a misconfigured scheme stops the app at start-up instead of failing every sign-in.
/// </summary>
internal sealed class WeChatAuthenticationOptionsValidator : IValidateOptions<WeChatAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatAuthenticationOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"The WeChat authentication scheme '{name}' is misconfigured. {ex.Message}");
        }
    }
}
