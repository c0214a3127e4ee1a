/* The dashboard's few interactive bits: staff sign-in, and the nudge / instruction buttons. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function loginPage() {
    var form = document.getElementById("staff-login");
    var message = document.getElementById("login-message");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        city: form.dataset.city,
        username: document.getElementById("username").value.trim(),
        password: document.getElementById("password").value,
        cookie: true
      };
      api("POST", "/api/v1/auth/login", body).then(function () {
        window.location.href = form.dataset.next || "/dashboard/";
      }).catch(function (error) { say(message, error.message); });
    });
  }

  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function superviseButtons() {
    document.querySelectorAll(".actions").forEach(function (box) {
      var id = box.dataset.caseId, message = box.querySelector(".message");
      var nudge = box.querySelector(".nudge"), instruct = box.querySelector(".instruct");
      nudge.addEventListener("click", function () {
        nudge.disabled = true;
        api("POST", "/api/v1/cases/" + id + "/nudge", { note: "" }, { "Idempotency-Key": key() }).then(function () {
          say(message, "已拍一拍", true);
        }).catch(function (error) { say(message, error.message); nudge.disabled = false; });
      });
      if (instruct) instruct.addEventListener("click", function () {
        var text = window.prompt("批示内容");
        if (!text) return;
        api("POST", "/api/v1/cases/" + id + "/instructions", { text: text }, { "Idempotency-Key": key() }).then(function () {
          say(message, "批示已送达", true);
        }).catch(function (error) { say(message, error.message); });
      });
    });
  }

  window.gridappDashboard = { loginPage: loginPage, superviseButtons: superviseButtons };
})();
