using System.Text;
using System.Text.Encodings.Web;

namespace AspNetCore.Authentication.WeChat.Emulator.Internal;

/// <summary>
/// The mini-program simulator page (小程序模拟器): the developer picks a test user, and the page does what the
/// mini-program would: <c>wx.login</c> → the app's sign-in endpoint → the app's API with the bearer token, and the
/// phone-number, open-data and refresh calls. Self-contained (inline style and script, allowed by hash in its content
/// security policy, which also keeps every request on this origin), so it works offline; everything that comes from
/// users or configuration is HTML-encoded, and the script reads it from data attributes, never from its own text.
/// </summary>
internal static class WeChatEmulatorMiniProgramPage
{
    private const string Style = """
        body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
        .bar{background:#07c160;color:#fff;padding:10px 16px;font-size:14px}
        .sheet{max-width:640px;margin:24px auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
        h1{font-size:18px;margin:0 0 4px} h2{font-size:15px;margin:20px 0 6px} .muted{color:#888;font-size:13px}
        button.mp-user{display:flex;width:100%;align-items:center;gap:12px;padding:10px;border:1px solid #eee;border-radius:8px;margin:8px 0;background:#fff;cursor:pointer;text-align:left;font-size:15px}
        button.mp-user[aria-pressed=true]{border-color:#07c160;background:#f0fbf5}
        button.mp-user img{width:44px;height:44px;border-radius:50%}
        .actions{display:flex;gap:12px;margin-top:16px}
        .actions button{flex:1;padding:10px;border:0;border-radius:8px;font-size:15px;background:#07c160;color:#fff;cursor:pointer}
        .actions button:disabled{background:#c8c8c8;cursor:default}
        pre{background:#f7f7f7;border-radius:8px;padding:10px;white-space:pre-wrap;word-break:break-all;font-size:12px;min-height:1.5em;margin:0}
        pre.ok{border-left:4px solid #07c160} pre.fail{border-left:4px solid #fa5151}
        """;

    private const string Script = """
        (() => {
          const config = document.body.dataset;
          const byId = id => document.getElementById(id);
          const actions = ['phone', 'decrypt', 'refresh'].map(byId);
          let openid = null, session = null;

          async function send(url, body, token) {
            const headers = { 'Accept': 'application/json' };
            if (body !== undefined) headers['Content-Type'] = 'application/json';
            if (token) headers['Authorization'] = 'Bearer ' + token;
            try {
              const response = await fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', redirect: 'manual' });
              if (response.type === 'opaqueredirect') return { ok: false, status: 0, text: '重定向，而不是 JSON 回答 / Redirected instead of a JSON answer (is the endpoint mapped?)' };
              const type = response.headers.get('Content-Type') || '';
              const text = await response.text();
              let json = null;
              try { json = text ? JSON.parse(text) : null; } catch { }
              return { ok: response.ok, status: response.status, type, json, text };
            } catch (error) {
              return { ok: false, status: 0, text: '网络错误 / Network error: ' + error };
            }
          }

          function describe(result) {
            let head = result.status ? 'HTTP ' + result.status : '';
            if (result.json && (result.type.includes('problem+json') || (!result.ok && (result.json.title || result.json.detail)))) {
              head += ' — ' + [result.json.title, result.json.detail].filter(Boolean).join(': ');
            } else if (result.json && result.json.error) {
              head += ' — ' + result.json.error;
            }
            const body = result.json ? JSON.stringify(result.json, null, 2)
              : result.status === 404 ? '应用没有这个接口（可选，见 README）/ The app has no such endpoint (optional: see README)'
              : result.type.includes('html') ? '不是 JSON，而是一个 HTML 页面（这个接口存在吗？）/ Not JSON but an HTML page (is the endpoint mapped?)'
              : (result.text || '');
            return head ? head + '\n' + body : body;
          }

          function show(pane, result) {
            const element = byId(pane);
            element.textContent = describe(result);
            element.className = result.ok ? 'ok' : 'fail';
          }

          function signedIn(tokens) {
            session = tokens;
            for (const button of actions) button.disabled = !tokens;
          }

          async function me() {
            show('me-result', await send(config.app + '/api/me', undefined, session.accessToken));
          }

          async function signIn(button) {
            openid = button.dataset.openid;
            for (const other of document.querySelectorAll('.mp-user')) other.setAttribute('aria-pressed', String(other === button));
            for (const pane of document.querySelectorAll('pre')) { pane.textContent = ''; pane.className = ''; }
            signedIn(null);
            const login = await send(config.emulator + '/miniprogram/login', { openid });
            if (!login.ok) return show('signin-result', login);
            const result = await send(config.app + config.signin, { code: login.json.code });
            show('signin-result', result);
            if (result.ok && result.json && result.json.accessToken) {
              signedIn(result.json);
              await me();
            }
          }

          for (const button of document.querySelectorAll('.mp-user')) button.addEventListener('click', () => signIn(button));

          byId('phone').addEventListener('click', async () => {
            const code = await send(config.emulator + '/miniprogram/phone-code', { openid });
            if (!code.ok) return show('phone-result', code);
            show('phone-result', await send(config.app + '/api/miniprogram/phone', { code: code.json.code }, session.accessToken));
          });

          byId('decrypt').addEventListener('click', async () => {
            const data = await send(config.emulator + '/miniprogram/user-info', { openid });
            if (!data.ok) return show('decrypt-result', data);
            show('decrypt-result', await send(config.app + '/api/miniprogram/decrypt', { encryptedData: data.json.encryptedData, iv: data.json.iv }, session.accessToken));
          });

          byId('refresh').addEventListener('click', async () => {
            const result = await send(config.app + config.signin + '/refresh', { refreshToken: session.refreshToken });
            show('refresh-result', result);
            if (result.ok && result.json && result.json.accessToken) {
              signedIn(result.json);
              await me();
            }
          });
        })();
        """;

    // The page allows its own inline style and script, by hash, and nothing else: no other origin, no injected script.
    private static readonly string ContentSecurityPolicy =
        $"default-src 'none'; script-src '{WeChatEmulatorPages.CspHash(Script)}'; style-src '{WeChatEmulatorPages.CspHash(Style)}'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

    public static string Render(WeChatEmulatorOptions options, string emulatorPath, string appPath, string signInPath, HtmlEncoder html)
    {
        var page = new StringBuilder(8192);
        page.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">")
            .Append("<title>小程序模拟器 · Mini-program simulator (emulator)</title><style>").Append(Style).Append("</style></head>")
            .Append("<body data-emulator=\"").Append(html.Encode(emulatorPath)).Append("\" data-app=\"").Append(html.Encode(appPath))
            .Append("\" data-signin=\"").Append(html.Encode(signInPath)).Append("\">")
            .Append("<div class=\"bar\">WeChat 模拟器 · WeChat emulator — 小程序模拟器 / Mini-program simulator — 本地开发用，不是真正的微信 / for local development, not real WeChat</div>")
            .Append("<div class=\"sheet\"><h1>").Append(html.Encode(options.MiniProgramName)).Append("</h1>")
            .Append("<p class=\"muted\">AppID <code>").Append(html.Encode(options.MiniProgramAppId)).Append("</code> · 登录接口 / sign-in endpoint <code>")
            .Append(html.Encode(appPath + signInPath)).Append("</code></p>")
            .Append("<p>选择测试用户登录（wx.login）/ Choose a test user to sign in (wx.login):</p>");
        foreach (var user in options.Users)
        {
            // The emulator's own drawing of the avatar: the page loads nothing from another origin.
            var avatar = emulatorPath + "/mmopen/" + Uri.EscapeDataString(user.OpenId) + "/132";
            page.Append("<button type=\"button\" class=\"mp-user\" aria-pressed=\"false\" data-openid=\"").Append(html.Encode(user.OpenId)).Append("\"><img alt=\"\" src=\"")
                .Append(html.Encode(avatar)).Append("\"><span><strong class=\"nickname\">").Append(html.Encode(user.Nickname)).Append("</strong><br><span class=\"muted\">")
                .Append(html.Encode(user.Description ?? user.OpenId)).Append("</span></span></button>");
        }

        page.Append("<h2>登录 / Sign-in</h2><pre id=\"signin-result\"></pre>")
            .Append("<h2>当前用户 / <code>/api/me</code></h2><pre id=\"me-result\"></pre>")
            .Append("<div class=\"actions\"><button id=\"phone\" type=\"button\" disabled>获取手机号 / Get phone number</button>")
            .Append("<button id=\"decrypt\" type=\"button\" disabled>解密用户信息 / Decrypt user info</button>")
            .Append("<button id=\"refresh\" type=\"button\" disabled>刷新 / Refresh</button></div>")
            .Append("<h2>手机号 / Phone number</h2><pre id=\"phone-result\"></pre>")
            .Append("<h2>用户信息 / User info</h2><pre id=\"decrypt-result\"></pre>")
            .Append("<h2>刷新 / Refresh</h2><pre id=\"refresh-result\"></pre>")
            .Append("</div><script>").Append(Script).Append("</script></body></html>");
        return page.ToString();
    }
}
