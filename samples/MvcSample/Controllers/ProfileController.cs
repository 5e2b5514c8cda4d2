using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace MvcSample.Controllers;

[Authorize]
public sealed class ProfileController : Controller
{
    public IActionResult Index() => View();
}
