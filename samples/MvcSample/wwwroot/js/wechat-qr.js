// Draws WeChat's QR code inside the page: fetches a configuration whose state and correlation cookie the server issued
// (so the callback is checked as after a redirect), loads wxLogin.js (WeChat's, or the emulator's stand-in), then
// new WxLogin({ id, ...options }).
(function () {
  "use strict";
  var box = document.getElementById("wechat-qr");
  var failed = function () { document.getElementById("wechat-qr-error").hidden = false; };
  fetch(box.getAttribute("data-config"), { credentials: "same-origin", cache: "no-store" })
    .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
    .then(function (config) {
      var script = document.createElement("script");
      script.src = config.script;
      script.onload = function () { new window.WxLogin(Object.assign({ id: box.id }, config.options)); };
      script.onerror = failed;
      document.head.appendChild(script);
    })
    .catch(failed);
})();
