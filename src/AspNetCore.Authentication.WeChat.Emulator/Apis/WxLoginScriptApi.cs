using AspNetCore.Authentication.WeChat.Emulator.Internal;

namespace AspNetCore.Authentication.WeChat.Emulator.Apis;

/// <summary>
/// <c>GET /connect/zh_CN/htmledition/js/wxLogin.js</c>: the emulator's stand-in for WeChat's
/// <c>https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js</c>, which embeds the QR login page in a website's
/// own page. Like WeChat's, <c>new WxLogin({ id, appid, scope, redirect_uri, state, … })</c> puts an iframe of
/// <c>connect/qrconnect</c> into the element <c>id</c>, with the script's own link (not the documented one) and
/// <c>redirect_uri</c> as given (the caller URL-encodes it); the link is the emulator's, found from where the script was
/// loaded, so it works on any origin, port and path base. It loads nothing else.
/// https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html
/// </summary>
internal static class WxLoginScriptApi
{
    // The order of the link's parameters is WeChat's script's, which the QR page checks. The sandbox is the one sites
    // add for Chrome's top-navigation rules, plus allow-forms: the emulator's page is confirmed by a form post (the
    // developer stands in for the phone), where WeChat's page hears of the phone by script. Chrome 142 and later ask
    // for local network access for the embedded page.
    private const string Script = """
        /* WeChat emulator: stand-in for https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js (local development only). */
        (function () {
          'use strict';
          // The QR page is beside this script: the emulator's base is the script's own URL without its path.
          var script = document.currentScript;
          var base = script ? script.src.replace(/\/connect\/zh_CN\/htmledition\/js\/wxLogin\.js(?:[?#].*)?$/, '') : '';

          window.WxLogin = function (options) {
            var selfRedirect = options.self_redirect === true ? 'true' : options.self_redirect === false ? 'false' : 'default';
            var src = base + '/connect/qrconnect?appid=' + options.appid + '&scope=' + options.scope
              + '&redirect_uri=' + options.redirect_uri + '&state=' + options.state
              + '&login_type=jssdk&self_redirect=' + selfRedirect
              + '&styletype=' + (options.styletype || '') + '&sizetype=' + (options.sizetype || '')
              + '&bgcolor=' + (options.bgcolor || '') + '&rst=' + (options.rst || '');
            if (options.style) src += '&style=' + options.style;
            if (options.href) src += '&href=' + options.href;
            if (options.lang === 'en') src += '&lang=en';
            if (options.stylelite === 1) src += '&stylelite=1';
            if (options.fast_login === 0) src += '&fast_login=0';

            var frame = document.createElement('iframe');
            frame.setAttribute('sandbox', 'allow-scripts allow-top-navigation allow-same-origin allow-forms');
            frame.setAttribute('allow', 'local-network-access');
            frame.frameBorder = '0';
            frame.allowTransparency = 'true';
            frame.scrolling = 'no';
            frame.width = '300px';
            frame.height = '400px';
            frame.src = src;
            var container = document.getElementById(options.id);
            container.innerHTML = '';
            container.appendChild(frame);
          };
        })();

        """;

    public static Task<WeChatEmulatorResponse> HandleAsync(WeChatEmulator emulator, WeChatEmulatorRequest request, CancellationToken cancellationToken)
        // Cached briefly: a reload of the app's page need not fetch it again, and a newer emulator's is soon picked up.
        => Task.FromResult(WeChatEmulatorResponse.JavaScript(Script) with { CacheControl = "public, max-age=300" });
}
