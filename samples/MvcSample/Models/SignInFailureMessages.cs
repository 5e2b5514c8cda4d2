using System.Globalization;
using System.Security.Cryptography;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace MvcSample.Models;

/// <summary>
/// Carries what the error page needs to know of a failed sign-in: its kind and WeChat's errcode, never its message
/// (written for developers; the package logs it). They travel protected and for five minutes only, so that nobody can
/// make the page say something else with a crafted link.
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
        var wechat = failure as WeChatException;
        return _protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{(int?)wechat?.Kind}|{wechat?.ErrorCode}"), TimeSpan.FromMinutes(5));
    }

    public SignInFailure? Unprotect(string? protectedFailure)
    {
        if (string.IsNullOrEmpty(protectedFailure))
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(protectedFailure).Split('|', 2);
            return new SignInFailure(
                int.TryParse(parts[0], CultureInfo.InvariantCulture, out var kind) && Enum.IsDefined((WeChatFailureKind)kind) ? (WeChatFailureKind)kind : null,
                int.TryParse(parts[1], CultureInfo.InvariantCulture, out var code) ? code : null);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static bool IsLocal(string? url)
        => !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}

/// <summary>A failed sign-in as the error page shows it.</summary>
/// <param name="Kind">What kind of failure it was; <see langword="null"/> when it was not the package's.</param>
/// <param name="ErrorCode">WeChat's errcode, when WeChat sent one.</param>
public sealed record SignInFailure(WeChatFailureKind? Kind, int? ErrorCode);
