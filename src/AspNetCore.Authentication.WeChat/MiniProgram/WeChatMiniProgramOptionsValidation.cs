using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AspNetCore.Authentication.WeChat.MiniProgram;

/// <summary>
/// Runs <see cref="WeChatMiniProgramOptions.Validate"/> for every named mini-program, and checks that its sign-in scheme
/// is registered, so that a misconfiguration stops the app at start-up, naming the setting.
/// </summary>
internal sealed class WeChatMiniProgramOptionsValidation(IOptions<AuthenticationOptions> authentication) : IValidateOptions<WeChatMiniProgramOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatMiniProgramOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"WeChat mini-program '{name}': {ex.Message}");
        }

        if (!authentication.Value.SchemeMap.TryGetValue(options.SignInScheme, out var scheme))
        {
            return ValidateOptionsResult.Fail($"WeChat mini-program '{name}': the 'SignInScheme' option is '{options.SignInScheme}', which is not a registered authentication scheme. Register it (AddBearerToken, AddCookie, …) or keep the default, {WeChatMiniProgramDefaults.BearerScheme}.");
        }

        if (scheme.HandlerType is { } forwarding && typeof(PolicySchemeHandler).IsAssignableFrom(forwarding))
        {
            // Its refresh tokens would be issued without the session they need, and its target decided per request.
            return ValidateOptionsResult.Fail($"WeChat mini-program '{name}': the 'SignInScheme' option is '{options.SignInScheme}', a policy scheme that forwards elsewhere. Name the scheme it forwards to (for example {WeChatMiniProgramDefaults.BearerScheme}).");
        }

        return scheme.HandlerType is { } handler && typeof(IAuthenticationSignInHandler).IsAssignableFrom(handler)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"WeChat mini-program '{name}': the 'SignInScheme' option is '{options.SignInScheme}', whose handler cannot sign users in (it does not implement IAuthenticationSignInHandler, as JWT bearer does not). Use a bearer-token or cookie scheme, or keep the default, {WeChatMiniProgramDefaults.BearerScheme}.");
    }
}
