using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The emulator's HTML: a consent sheet in WeChat's style and WeChat's "link cannot be opened" error page.
/// Self-contained (no CDN, no script) so it works offline.
/// </summary>
internal static class WeChatEmulatorPages
{
    private const string Style = """
        <style>
        body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
        .bar{background:#07c160;color:#fff;padding:10px 16px;font-size:14px}
        .sheet{max-width:420px;margin:24px auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
        h1{font-size:18px;margin:0 0 4px} .muted{color:#888;font-size:13px}
        label.user{display:flex;align-items:center;gap:12px;padding:10px;border:1px solid #eee;border-radius:8px;margin:8px 0;cursor:pointer}
        label.user img{width:44px;height:44px;border-radius:50%}
        .buttons{display:flex;gap:12px;margin-top:20px}
        button{flex:1;padding:12px;border:0;border-radius:8px;font-size:16px;cursor:pointer}
        .allow{background:#07c160;color:#fff} .refuse{background:#f2f2f2;color:#07c160}
        .error{color:#fa5151}
        </style>
        """;

    public static string Consent(WeChatEmulatorOptions options, string rawQuery, string scope, string emulatorBaseUrl, HtmlEncoder html)
    {
        var page = new StringBuilder(4096);
        page.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>微信授权 · WeChat authorization (emulator)</title>")
            .Append(Style)
            .Append("</head><body><div class=\"bar\">WeChat 模拟器 · WeChat emulator — 本地开发用，不是真正的微信 / for local development, not real WeChat</div>")
            .Append("<form class=\"sheet\" method=\"post\"><h1>").Append(html.Encode(options.AppName)).Append("</h1>")
            .Append("<p class=\"muted\">申请获取以下权限 / asks for: 获得你的公开信息（昵称、头像等）/ your public profile (nickname, avatar) — <code>")
            .Append(html.Encode(scope)).Append("</code></p>")
            .Append("<p>选择测试用户 / Choose a test user:</p>");
        for (var i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            page.Append("<label class=\"user\"><input type=\"radio\" name=\"user\" value=\"").Append(i.ToString(CultureInfo.InvariantCulture)).Append('"')
                .Append(i == 0 ? " checked" : "").Append("><img alt=\"\" src=\"").Append(html.Encode(WeChatEmulator.AvatarUrl(user, emulatorBaseUrl))).Append("\"><span><strong class=\"nickname\">")
                .Append(html.Encode(user.Nickname)).Append("</strong><br><span class=\"muted\">")
                .Append(html.Encode(user.Description ?? user.OpenId)).Append("</span></span></label>");
        }

        page.Append("<input type=\"hidden\" name=\"query\" value=\"").Append(html.Encode(rawQuery)).Append("\">")
            .Append("<div class=\"buttons\"><button class=\"refuse\" name=\"decision\" value=\"refuse\" type=\"submit\">拒绝 Refuse</button>")
            .Append("<button class=\"allow\" name=\"decision\" value=\"allow\" type=\"submit\">允许 Allow</button></div></form></body></html>");
        return page.ToString();
    }

    /// <summary>The hash of an inline style or script, as a content security policy allows it (<c>sha256-…</c>).</summary>
    public static string CspHash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Error(string reason, HtmlEncoder html)
        => "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>该链接无法访问</title>" + Style
           + "</head><body><div class=\"bar\">WeChat 模拟器 · WeChat emulator</div><div class=\"sheet\"><h1 class=\"error\">该链接无法访问 / This link cannot be opened</h1><p>"
           + html.Encode(reason) + "</p></div></body></html>";
}
