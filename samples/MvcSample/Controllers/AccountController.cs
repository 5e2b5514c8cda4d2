using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using MvcSample.Models;

namespace MvcSample.Controllers;

public sealed class AccountController(SignInFailureMessages failures) : Controller
{
    [HttpGet]
    [EnableRateLimiting("wechat-sign-in")]
    public IActionResult SignIn(string? returnUrl)
        => Challenge(new AuthenticationProperties { RedirectUri = LocalOrProfile(returnUrl) }, WeChatAuthenticationDefaults.AuthenticationScheme);

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
