/* Staff sign-in with username and password, for every section that has one (dashboard, console, H5).
   The answer decides the next step: a second-factor code asked for (totp_required) shows its field; a password
   an admin set (password_change_required) shows the new-password fields, and the form then changes it and signs in. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function show(element) {
    element.hidden = false;
    element.querySelectorAll("input").forEach(function (each) { each.required = true; });
    element.querySelector("input").focus();
  }

  window.gridappStaffLogin = function (form) {
    var message = form.querySelector(".message");
    var totp = form.querySelector(".totp-field"), change = form.querySelector(".new-password");
    var submit = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        city: form.dataset.city,
        username: form.elements.username.value.trim(),
        password: form.elements.password.value,
        cookie: true
      };
      if (!totp.hidden) body.totp = form.elements.totp.value.trim();
      var url = "/api/v1/auth/login";
      if (!change.hidden) {
        if (form.elements.new_password.value !== form.elements.repeat.value) {
          say(message, "两次输入的新密码不一致");
          return;
        }
        body.new_password = form.elements.new_password.value;
        url = "/api/v1/auth/password";
      }
      submit.disabled = true;
      api("POST", url, body).then(function () {
        window.location.href = form.dataset.next || "/";
      }).catch(function (error) {
        var code = error.data && error.data.code;
        if (code === "totp_required" && totp.hidden) {
          show(totp);
          say(message, "请输入动态验证码");
        } else if (code === "password_change_required") {
          show(change);
          submit.textContent = "修改密码并登录";
          say(message, error.message);
        } else {
          say(message, error.message);
        }
        submit.disabled = false;
      });
    });
  };
})();
