using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace MvcSample.Models;

/// <summary>
/// Carries a failed sign-in's message to the error page. The message travels protected (and for five minutes only),
/// so nobody can make the page show text of their choosing with a crafted link.
/// </summary>
public sealed class SignInFailureMessages(IDataProtectionProvider dataProtection)
{
    private readonly ITimeLimitedDataProtector _protector = dataProtection.CreateProtector("MvcSample.SignInFailure").ToTimeLimitedDataProtector();

    public static Task ShowErrorPageAsync(RemoteFailureContext context)
    {
        var messages = context.HttpContext.RequestServices.GetRequiredService<SignInFailureMessages>();
        var returnUrl = context.Properties?.RedirectUri;
        var target = "/Account/Failed?e=" + Uri.EscapeDataString(messages.Protect(context.Failure));
        if (IsLocal(returnUrl))
        {
            target += "&returnUrl=" + Uri.EscapeDataString(returnUrl!);
        }

        context.Response.Redirect(target);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    public string Protect(Exception? failure)
    {
        var code = (failure as WeChatAuthenticationException)?.ErrorCode;
        var text = failure?.Message ?? "The WeChat sign-in failed.";
        return _protector.Protect(code + "\n" + text, TimeSpan.FromMinutes(5));
    }

    public SignInFailure? Unprotect(string? protectedMessage)
    {
        if (string.IsNullOrEmpty(protectedMessage))
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(protectedMessage).Split('\n', 2);
            return new SignInFailure(int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null, parts[1]);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static bool IsLocal(string? url)
        => !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}

public sealed record SignInFailure(int? ErrorCode, string Message);
