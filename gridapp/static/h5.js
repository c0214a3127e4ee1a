/* Small helpers for the H5 pages: calls to the JSON API with the session cookie and its CSRF token. */
(function () {
  "use strict";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function api(method, url, body, extraHeaders) {
    var headers = { "Accept": "application/json" };
    var csrf = cookie("csrf_access_token");
    if (csrf) headers["X-CSRF-TOKEN"] = csrf;
    Object.keys(extraHeaders || {}).forEach(function (name) { headers[name] = extraHeaders[name]; });
    var options = { method: method, headers: headers, credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (!response.ok) {
          var error = new Error(data && data.message ? data.message : "请求失败（" + response.status + "）");
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  /* An Idempotency-Key: one per thing being created, so a retry after a lost answer gets the first one back. */
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(element, text, ok) {
    element.textContent = text;
    element.className = "message" + (ok ? " ok" : "");
  }

  function renewSession() {
    /* The access cookie lives an hour; the refresh cookie (sent only to /auth/refresh) renews it. */
    var csrf = cookie("csrf_refresh_token");
    if (!csrf) return Promise.reject(new Error("no session"));
    return fetch("/api/v1/auth/refresh", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-TOKEN": csrf, "Accept": "application/json" }
    }).then(function (response) { if (!response.ok) throw new Error("expired"); });
  }

  function loginPage() {
    var form = document.getElementById("login-form");
    var message = document.getElementById("login-message");
    var send = document.getElementById("send-code");
    var city = form.dataset.city;
    renewSession().then(function () { window.location.replace(form.dataset.next || "/h5/"); }, function () {});
    send.addEventListener("click", function () {
      var phone = document.getElementById("phone").value.trim();
      if (!document.getElementById("agree").checked) {
        say(message, "请先阅读并同意《用户协议》和《隐私政策》");
        document.getElementById("agree").focus();
        return;
      }
      send.disabled = true;
      api("POST", "/api/v1/auth/code", { city: city, phone: phone, agreed: true }).then(function () {
        say(message, "验证码已发送，请查收短信", true);
        var left = 60;
        var timer = setInterval(function () {
          left -= 1;
          send.textContent = left > 0 ? left + " 秒后重发" : "获取验证码";
          if (left <= 0) { clearInterval(timer); send.disabled = false; }
        }, 1000);
      }).catch(function (error) { say(message, error.message); send.disabled = false; });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        city: city,
        phone: document.getElementById("phone").value.trim(),
        code: document.getElementById("code").value.trim(),
        cookie: true
      };
      api("POST", "/api/v1/auth/code/verify", body).then(function () {
        window.location.href = form.dataset.next || "/h5/";
      }).catch(function (error) { say(message, error.message); });
    });
  }

  function logoutButton(button) {
    if (!button) return;
    button.addEventListener("click", function () {
      api("POST", "/api/v1/auth/logout", {}).finally(function () { window.location.href = "/h5/login"; });
    });
  }

  function readAllButton(button) {
    if (!button) return;
    button.addEventListener("click", function () {
      api("POST", "/api/v1/notifications/read-all").then(function () { window.location.reload(); });
    });
  }

  window.gridapp = { api: api, newKey: newKey, say: say, cookie: cookie, loginPage: loginPage, logoutButton: logoutButton, readAllButton: readAllButton };
})();
