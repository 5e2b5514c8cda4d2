using System.Security.Claims;
using AspNetCore.Authentication.WeChat;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using MvcSample.Models;

namespace MvcSample.Controllers;

[Authorize]
public sealed class ProfileController(WeChatFollowerApi followers) : Controller
{
    public async Task<IActionResult> Index(CancellationToken cancellationToken)
    {
        // The page renders whatever WeChat says: 关注状态未知 when it cannot tell. Only the official account's openid can
        // be asked about: a QR sign-in holds the website app's, which the official account's APIs do not know.
        var openId = User.FindFirstValue(WeChatClaimTypes.OpenId);
        var officialAccount = User.Identity?.AuthenticationType == WeChatAuthenticationDefaults.AuthenticationScheme;
        ViewData["FollowerApplies"] = officialAccount;
        return View(openId is null || !officialAccount ? null : await followers.GetAsync(openId, cancellationToken));
    }
}
