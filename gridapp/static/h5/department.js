/* Department staff's order pages: grab from the pool, then start, release or resolve the order one holds.
   Every step is a call to the JSON API (window.gridapp.api); the pages re-read the server afterwards. */
(function () {
  "use strict";
  var api = window.gridapp.api;
  var say = window.gridapp.say;
  var TAKEN_SHOWN_MS = 2500;

  function orderUrl(id, step) {
    return "/api/v1/orders/" + encodeURIComponent(id) + (step ? "/" + step : "");
  }

  /* The pool's list, read again from the server without reloading the page. */
  function refreshPool() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("pool-body");
        if (fresh) document.getElementById("pool-body").innerHTML = fresh.innerHTML;
      });
  }

  /* One tap: the winner goes to the order; a lost race says 手慢了 on the card at once, then the card drops out. */
  function grab(button, message, onLost) {
    var id = button.dataset.orderId;
    var card = button.closest(".order-card");
    var result = card ? card.querySelector(".grab-result") : message;
    button.disabled = true;
    button.textContent = "抢单中…";
    api("POST", orderUrl(id, "grab")).then(function () {
      say(result, "抢单成功，正在打开订单", true);
      window.location.href = "/h5/orders/" + encodeURIComponent(id);
    }).catch(function (error) {
      var lost = error.status === 409;
      var text = error.data && error.data.code === "order_taken" ? error.message : (error.message || "抢单失败，请重试");
      say(result, text);
      if (message !== result) say(message, text);
      if (!lost) {
        button.disabled = false;
        button.textContent = "抢单";
        return;
      }
      button.textContent = "已被抢";
      if (card) card.classList.add("taken");
      onLost();
    });
  }

  function poolPage() {
    var message = document.getElementById("pool-message");
    document.getElementById("pool").addEventListener("click", function (event) {
      var button = event.target.closest("button.grab");
      if (!button || button.disabled) return;
      grab(button, message, function () { setTimeout(refreshPool, TAKEN_SHOWN_MS); });
    });
    document.getElementById("refresh").addEventListener("click", function () {
      say(message, "");
      refreshPool();
    });
  }

  function orderPage() {
    var section = document.getElementById("order-actions");
    if (!section) return;
    var id = document.getElementById("order").dataset.orderId;
    var message = document.getElementById("action-message");
    var reload = function () { window.location.reload(); };
    function step(button, name, body) {
      button.disabled = true;
      return api("POST", orderUrl(id, name), body).then(reload).catch(function (error) {
        say(message, error.message);
        button.disabled = false;
      });
    }

    var grabButton = document.getElementById("grab");
    if (grabButton) grabButton.addEventListener("click", function () { grab(grabButton, message, reload); });

    var start = document.getElementById("start");
    if (start) start.addEventListener("click", function () { step(start, "start"); });

    var releaseForm = document.getElementById("release-form");
    if (releaseForm) releaseForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var reason = document.getElementById("release-reason");
      if (!reason.value.trim()) { say(message, "请说明退回原因"); reason.focus(); return; }
      step(document.getElementById("release"), "release", { reason: reason.value.trim() });
    });

    var resolveForm = document.getElementById("resolve-form");
    var resolveKey = gridapp.newKey();
    window.gridDrafts.onChange(function (news) { if (news.sent === resolveKey) reload(); });
    if (resolveForm) resolveForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var note = document.getElementById("resolve-note");
      var button = document.getElementById("resolve");
      if (!note.value.trim()) { say(message, "请填写处置情况"); note.focus(); return; }
      var picker = window.gridPhotos.of(document.getElementById("after-photos"));
      if (!picker.count()) { say(message, "请拍摄或选择处置后照片"); return; }
      button.disabled = true;
      say(message, "正在上传照片…", true);
      /* Without signal the resolution is kept as a draft (photos and all) and sent when the signal returns. */
      window.gridDrafts.submit({
        key: resolveKey, title: "处置：订单 " + id, url: orderUrl(id, "resolve"), fields: [["note", note.value.trim()]],
        photoField: "upload_ids", done: window.location.pathname
      }, picker).then(function (result) {
        if (result.draft) { say(message, window.gridDrafts.SAVED, true); return; }
        reload();
      }).catch(function (error) {
        say(message, error.message);
        button.disabled = false;
      });
    });
  }

  window.gridappDepartment = { poolPage: poolPage, orderPage: orderPage };
})();
