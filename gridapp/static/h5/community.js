/* The community cadres' pages: case actions, posting an order from a case, verifying an order. Every change goes
   through the JSON API (window.gridapp.api); the pages reload to show what the server now says. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function newKey() { return gridapp.newKey(); }

  function value(form, name) { return form.elements[name].value.trim(); }

  /* One form = one API call; the button stays disabled while it is under way. */
  function wire(form, message, send, done) {
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say(message, "正在提交…", true);
      send(form).then(function (data) {
        say(message, "已提交", true);
        done(data);
      }).catch(function (error) {
        say(message, error.message);
        button.disabled = false;
      });
    });
  }

  function reload() { window.location.reload(); }

  function casePage() {
    var id = document.getElementById("case").dataset.caseId;
    var message = document.getElementById("action-message");
    var base = "/api/v1/cases/" + id + "/";
    wire(document.getElementById("accept-form"), message, function (form) {
      return api("POST", base + "accept", { note: value(form, "note") });
    }, reload);
    wire(document.getElementById("assign-form"), message, function (form) {
      return api("POST", base + "assign", { handler_user_id: Number(value(form, "handler_user_id")), note: value(form, "note") });
    }, reload);
    wire(document.getElementById("reject-form"), message, function (form) {
      return api("POST", base + "reject", { reason: value(form, "reason"), note: value(form, "note") });
    }, reload);
  }

  /* "2026-12-02T18:00" typed in China time, as ISO 8601 with its offset. */
  function chinaTime(local) { return local ? local + ":00+08:00" : ""; }

  function orderForm() {
    var form = document.getElementById("order-form");
    var message = document.getElementById("order-message");
    var available = Number(document.getElementById("budget").dataset.available);
    var reserve = document.getElementById("order-reserve");
    var after = document.getElementById("budget-after");
    var key = newKey(); /* one key per form: a retry after a lost answer posts the order once */

    function reserved() {
      var option = form.elements.difficulty.selectedOptions[0];
      var bounty = parseInt(form.elements.bounty.value, 10) || 0;
      return Math.floor(bounty * Number(option.dataset.percent) / 100);
    }
    function update() {
      var amount = reserved();
      reserve.textContent = amount;
      if (amount > available) {
        after.textContent = "预算不足：还差 " + (amount - available) + " 分";
        after.className = "message";
      } else {
        after.textContent = "派单后可用 " + (available - amount) + " 分";
        after.className = "hint";
      }
    }
    form.elements.bounty.addEventListener("input", update);
    form.elements.difficulty.addEventListener("change", update);
    update();

    wire(form, message, function () {
      var body = {
        title: value(form, "title"),
        department_kind: value(form, "department_kind") || null,
        difficulty: value(form, "difficulty"),
        bounty: parseInt(form.elements.bounty.value, 10),
        deadline: chinaTime(value(form, "deadline")),
        description: value(form, "description")
      };
      if (!body.bounty || body.bounty < 1) return Promise.reject(new Error("请填写赏金积分"));
      if (!body.deadline) return Promise.reject(new Error("请选择截止时间"));
      return api("POST", "/api/v1/cases/" + form.dataset.caseId + "/order", body, { "Idempotency-Key": key });
    }, function (order) {
      window.location.href = "/h5/community/orders/" + order.id;
    });
  }

  function photoViewer() {
    var viewer = document.getElementById("photo-viewer");
    var image = document.getElementById("photo-viewer-img");
    if (!viewer || !viewer.showModal) return;
    document.querySelectorAll(".cadre-thumbs a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        image.src = link.getAttribute("href");
        image.alt = link.querySelector("img").alt;
        viewer.showModal();
      });
    });
    viewer.addEventListener("click", function () { viewer.close(); });
  }

  function orderPage() {
    photoViewer();
    var box = document.getElementById("verify-box");
    if (!box) return;
    var id = document.getElementById("order").dataset.orderId;
    var message = document.getElementById("action-message");
    wire(document.getElementById("verify-form"), message, function (form) {
      return api("POST", "/api/v1/orders/" + id + "/verify", { difficulty: value(form, "difficulty"), note: value(form, "note") });
    }, reload);
    wire(document.getElementById("send-back-form"), message, function (form) {
      var reason = value(form, "reason");
      if (!reason) return Promise.reject(new Error("请填写退回原因"));
      return api("POST", "/api/v1/orders/" + id + "/send-back", { reason: reason });
    }, reload);
  }

  window.gridappCommunity = { casePage: casePage, orderForm: orderForm, orderPage: orderPage };
})();
