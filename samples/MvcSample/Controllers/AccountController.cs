using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using MvcSample.Models;

namespace MvcSample.Controllers;

public sealed class AccountController(SignInFailureMessages failures, IAuthenticationSchemeProvider schemes, IOptionsMonitor<WeChatQrConnectOptions> qrConnect) : Controller
{
    /// <summary>
    /// The one sign-in button: the routing scheme sends WeChat's browser to the official account's authorization and
    /// every other browser to the QR page (the official account alone when QR login is off).
    /// </summary>
    [HttpGet]
    [EnableRateLimiting("wechat-sign-in")]
    public async Task<IActionResult> SignIn(string? returnUrl)
        => Challenge(
            new AuthenticationProperties { RedirectUri = LocalOrProfile(returnUrl) },
            await schemes.GetSchemeAsync(WeChatBrowserRoutingDefaults.AuthenticationScheme) is null ? WeChatAuthenticationDefaults.AuthenticationScheme : WeChatBrowserRoutingDefaults.AuthenticationScheme);

    /// <summary>
    /// The QR code drawn inside this page (wxLogin.js). Its script, loaded from WeChat (or the emulator in development),
    /// needs these Content-Security-Policy entries: script-src for wxLogin.js's origin, frame-src for WeChat's QR page;
    /// the page itself may be framed by nobody.
    /// </summary>
    [HttpGet]
    public async Task<IActionResult> QrCode(string? returnUrl)
    {
        if (await schemes.GetSchemeAsync(WeChatQrConnectDefaults.AuthenticationScheme) is null)
        {
            return NotFound();
        }

        var script = qrConnect.Get(WeChatQrConnectDefaults.AuthenticationScheme).EmbeddedScriptUrl;
        // A path (the emulator's stand-in) is on this origin; on Linux Uri would read it as a file:// URL.
        var scriptSources = !script.StartsWith('/') && Uri.TryCreate(script, UriKind.Absolute, out var uri) ? "'self' " + uri.GetLeftPart(UriPartial.Authority) : "'self'";
        Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src {scriptSources}; frame-src 'self' https://open.weixin.qq.com; img-src 'self' data: https:; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        // A sign-in page: no other site may frame it (clickjacking); X-Frame-Options for browsers before frame-ancestors.
        Response.Headers.XFrameOptions = "DENY";
        ViewData["ReturnUrl"] = LocalOrProfile(returnUrl);
        return View();
    }

    [HttpPost]
    [ValidateAntiForgeryToken]
    public new async Task<IActionResult> SignOut()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/");
    }

    [HttpGet]
    public IActionResult Failed(string? e, string? returnUrl)
    {
        ViewData["ReturnUrl"] = LocalOrProfile(returnUrl);
        return View(failures.Unprotect(e));
    }

    [HttpGet]
    public IActionResult AccessDenied(string? returnUrl)
    {
        ViewData["ReturnUrl"] = LocalOrProfile(returnUrl);
        return View();
    }

    // Only local return URLs: anything else would make the sign-in an open redirect.
    private string LocalOrProfile(string? returnUrl) => Url.IsLocalUrl(returnUrl) ? returnUrl! : "/Profile";
}
