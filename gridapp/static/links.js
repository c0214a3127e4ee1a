/* 我的家庭 / 我的店铺: each button calls the JSON API, then the page reloads to show the new state. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var message = document.getElementById("links-message");

  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function run(button, call, done) {
    button.disabled = true;
    call().then(function () {
      say(message, done, true);
      window.setTimeout(function () { window.location.reload(); }, 600);
    }).catch(function (error) { say(message, error.message); button.disabled = false; });
  }

  document.querySelectorAll("#candidates .ask").forEach(function (button) {
    var item = button.closest(".item");
    button.addEventListener("click", function () {
      var body = { kind: item.dataset.kind, record_id: Number(item.dataset.record) };
      run(button, function () { return api("POST", "/api/v1/links", body, { "Idempotency-Key": key() }); },
        "已提交申请，请等待网格员确认");
    });
  });

  var DONE = { cancel: "已撤回", accept: "已接受邀请", decline: "已拒绝邀请", unlink: "已解除关联" };
  document.querySelectorAll("#my-links .step").forEach(function (button) {
    var id = button.closest(".item").dataset.link, step = button.dataset.step;
    button.addEventListener("click", function () {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      var body = step === "unlink" ? { note: "" } : undefined;
      run(button, function () { return api("POST", "/api/v1/links/" + id + "/" + step, body); }, DONE[step]);
    });
  });

  document.querySelectorAll("form.correct").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { name: form.elements.name.value.trim() };
      if (form.elements.phone.value.trim()) body.phone = form.elements.phone.value.trim();
      run(form.querySelector("button"), function () {
        return api("PATCH", "/api/v1/me/household-members/" + form.dataset.member, body);
      }, "已保存");
    });
  });

  document.querySelectorAll("form.invite").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { member_id: Number(form.elements.member_id.value), phone: form.elements.phone.value.trim() };
      run(form.querySelector("button"), function () {
        return api("POST", "/api/v1/links/invitations", body, { "Idempotency-Key": key() });
      }, "邀请已发送，请家人登录后接受");
    });
  });

  document.querySelectorAll(".confirm-redemption").forEach(function (button) {
    var id = button.closest(".item").dataset.redemption;
    button.addEventListener("click", function () {
      run(button, function () { return api("POST", "/api/v1/points/redemptions/" + id + "/confirm"); }, "已确认兑换");
    });
  });
})();
