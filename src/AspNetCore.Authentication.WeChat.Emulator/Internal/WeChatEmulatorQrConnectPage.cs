using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using AspNetCore.Authentication.WeChat.Emulator.Apis;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The website QR login pages (网站扫码登录): the QR code, with one button per test user standing in for "scan with
/// WeChat and confirm on the phone" and one for refusing; the page a refusal ends on; and the page that takes the app's
/// page (the top window) to the callback from inside wxLogin.js's iframe. A whole page or, inside the iframe, a compact
/// one on a transparent background that fits its 300×400 pixels (four users). Self-contained (inline style, and on the
/// last page a script, allowed by hash in their content security policy), so they work offline and load nothing from
/// another origin; everything that comes from users, configuration or the link is HTML-encoded.
/// </summary>
internal static class WeChatEmulatorQrConnectPage
{
    private const string Style = """
        body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#333;color:#191919}
        body.embedded{background:transparent} body.white{color:#fff}
        .bar{background:#07c160;color:#fff;padding:10px 16px;font-size:14px}
        .panel{max-width:360px;margin:24px auto;background:#fff;border-radius:12px;padding:20px;text-align:center}
        .embedded .panel{max-width:300px;margin:0 auto;padding:6px 8px;background:transparent;border-radius:0}
        h1{font-size:18px;margin:0 0 6px} .embedded h1{font-size:15px;margin:0 0 2px}
        .qr{display:block;width:160px;height:160px;margin:8px auto;border:1px solid #e5e5e5} .embedded .qr{width:88px;height:88px;margin:4px auto}
        p{margin:4px 0;font-size:14px} .muted{font-size:12px;opacity:.7}
        form{margin:3px 0}
        button{display:block;width:100%;padding:4px 8px;border:1px solid #07c160;border-radius:6px;background:#fff;color:#191919;font-size:13px;line-height:1.3;text-align:left;cursor:pointer}
        button .note{display:block;font-size:11px;color:#888;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        .embedded .qr{width:72px;height:72px;margin:2px auto} .embedded p{margin:2px 0;font-size:12px} .embedded form{margin:2px 0}
        .embedded button{padding:2px 6px;font-size:12px;line-height:1.25} .embedded button .note{font-size:10px}
        button.refuse{border-color:#ddd;color:#fa5151;text-align:center}
        .error{color:#fa5151} a{color:#07c160}
        """;

    // What WeChat's page does once the phone confirms: the app's page, not the iframe, goes to the callback.
    private const string TopNavigationScript = "window.top.location.href = document.getElementById('callback').href;";

    private static readonly string PagePolicy = $"default-src 'none'; style-src '{WeChatEmulatorPages.CspHash(Style)}'; base-uri 'none'";

    private static readonly string NavigationPolicy = $"default-src 'none'; script-src '{WeChatEmulatorPages.CspHash(TopNavigationScript)}'; style-src '{WeChatEmulatorPages.CspHash(Style)}'; base-uri 'none'";

    /// <summary>The QR code to "scan": the website's name, and a confirm button per test user and a refuse button.</summary>
    public static string Scan(WeChatEmulatorOptions options, QrConnectRequest qr, string rawQuery, HtmlEncoder html)
    {
        var page = Begin(qr, PagePolicy, "微信登录 · WeChat QR login (emulator)")
            .Append("<h1>微信登录 · WeChat login</h1>")
            .Append(QrPicture(rawQuery))
            .Append("<p class=\"muted\">使用微信扫一扫登录 / Scan with WeChat to sign in to</p>")
            .Append("<p id=\"website\"><strong>").Append(html.Encode(options.WebsiteName)).Append("</strong></p>");
        if (!qr.Embedded)
        {
            page.Append("<p class=\"muted\">模拟器：选择扫码并在手机上确认的测试用户 / Emulator: choose the test user who scans and confirms on the phone</p>");
        }

        // A form per button: each sends the link, the decision and the user (the consent page's fields).
        var query = html.Encode(rawQuery);
        for (var i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            page.Append("<form method=\"post\"><input type=\"hidden\" name=\"query\" value=\"").Append(query)
                .Append("\"><input type=\"hidden\" name=\"decision\" value=\"allow\"><button class=\"confirm\" type=\"submit\" name=\"user\" value=\"")
                .Append(i.ToString(CultureInfo.InvariantCulture)).Append("\">扫码并确认 / Scan and confirm as <strong class=\"nickname\">")
                .Append(html.Encode(user.Nickname)).Append("</strong><span class=\"note\">")
                .Append(html.Encode(user.Description ?? user.OpenId)).Append("</span></button></form>");
        }

        page.Append("<form method=\"post\"><input type=\"hidden\" name=\"query\" value=\"").Append(query)
            .Append("\"><button class=\"refuse\" type=\"submit\" name=\"decision\" value=\"refuse\">拒绝 / Refuse</button></form>");
        return End(page);
    }

    /// <summary>Where a refusal ends when WeChat does not redirect: the page says so, and offers the QR code again.</summary>
    public static string Refused(QrConnectRequest qr, string rawQuery, HtmlEncoder html)
        => End(Begin(qr, PagePolicy, "已拒绝 · Refused (emulator)")
            .Append("<h1 id=\"refused\" class=\"error\">已在手机上拒绝 / Refused on the phone</h1>")
            .Append("<p class=\"muted\">你已取消此次登录，网站不会收到授权。/ You cancelled this sign-in: the website gets no code.</p>")
            // The same link on the same path (a query-only URL): nowhere else.
            .Append("<p><a id=\"again\" href=\"").Append(html.Encode("?" + rawQuery.TrimStart('?'))).Append("\">重新扫码 / Scan again</a></p>"));

    /// <summary>
    /// The page that, inside wxLogin.js's iframe, takes the app's page to the callback: by script, and by a link for a
    /// browser that blocks it.
    /// </summary>
    public static string NavigateTop(QrConnectRequest qr, string callbackUrl, HtmlEncoder html)
        => End(
            Begin(qr, NavigationPolicy, "已确认 · Confirmed (emulator)")
                .Append("<h1>已确认 / Confirmed</h1><p class=\"muted\">正在返回网站… / Returning to the website…</p>")
                .Append("<p><a id=\"callback\" target=\"_top\" href=\"").Append(html.Encode(callbackUrl)).Append("\">继续 / Continue</a></p>"),
            TopNavigationScript);

    private static StringBuilder Begin(QrConnectRequest qr, string policy, string title)
    {
        var page = new StringBuilder(8192)
            .Append("<!DOCTYPE html><html lang=\"").Append(qr.English ? "en" : "zh-CN").Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(policy).Append("\">")
            .Append("<title>").Append(title).Append("</title><style>").Append(Style).Append("</style></head><body class=\"")
            .Append(qr.Embedded ? "embedded" : "page").Append(qr.WhiteText ? " white" : "").Append("\">");
        if (!qr.Embedded)
        {
            page.Append("<div class=\"bar\">WeChat 模拟器 · WeChat emulator — 网站扫码登录 / website QR login — 本地开发用，不是真正的微信 / for local development, not real WeChat</div>");
        }

        return page.Append("<div class=\"panel\">");
    }

    private static string End(StringBuilder page, string? script = null)
    {
        page.Append("</div>");
        if (script is not null)
        {
            page.Append("<script>").Append(script).Append("</script>");
        }

        return page.Append("</body></html>").ToString();
    }

    /// <summary>
    /// A picture drawn like a QR code (three finder squares, timing lines, modules from a hash of the link, so that each
    /// link has its own), as inline SVG. There is nothing to scan: the buttons stand in for the phone.
    /// </summary>
    private static string QrPicture(string seed)
    {
        const int Size = 21;
        var bits = SHA512.HashData(Encoding.UTF8.GetBytes(seed));
        var path = new StringBuilder(4096);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var i = (y * Size) + x;
                var dark = Finder(x, y) ?? (x == 6 || y == 6 ? (x + y) % 2 == 0 : ((bits[i / 8 % bits.Length] >> (i % 8)) & 1) == 1);
                if (dark)
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h1v1h-1z");
                }
            }
        }

        return $"<svg class=\"qr\" viewBox=\"-2 -2 25 25\" role=\"img\" aria-label=\"二维码（模拟）/ QR code (emulated)\" shape-rendering=\"crispEdges\"><rect x=\"-2\" y=\"-2\" width=\"25\" height=\"25\" fill=\"#fff\"/><path fill=\"#191919\" d=\"{path}\"/></svg>";

        // A finder square's module (with its light border), or null outside the three corners.
        static bool? Finder(int x, int y)
        {
            foreach (var (fx, fy) in Corners)
            {
                var (dx, dy) = (x - fx, y - fy);
                if (dx is >= -1 and <= 7 && dy is >= -1 and <= 7)
                {
                    return dx is >= 0 and <= 6 && dy is >= 0 and <= 6 && Math.Max(Math.Abs(dx - 3), Math.Abs(dy - 3)) != 2;
                }
            }

            return null;
        }
    }

    private static readonly (int X, int Y)[] Corners = [(0, 0), (14, 0), (0, 14)];
}
