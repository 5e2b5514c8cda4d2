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
        // The page renders whatever WeChat says: 关注状态未知 when it cannot tell.
        var openId = User.FindFirstValue(WeChatClaimTypes.OpenId);
        return View(openId is null ? null : await followers.GetAsync(openId, cancellationToken));
    }
}
