using Microsoft.AspNetCore.Mvc;

namespace MvcSample.Controllers;

public sealed class HomeController : Controller
{
    public IActionResult Index() => View();

    [Route("/Home/Error")]
    public IActionResult Error() => View("Status", 500);

    [Route("/Home/Status/{code:int}")]
    public IActionResult Status(int code) => View("Status", code);
}
