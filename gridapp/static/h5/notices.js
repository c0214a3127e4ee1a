/* 发布通知: the audience picker asks the API how many it reaches, then sends the notice once (Idempotency-Key). */
(function () {
  "use strict";
  var form = document.getElementById("notice-form");
  if (!form) return;
  var count = document.getElementById("recipient-count");
  var message = document.getElementById("notice-message");
  var send = document.getElementById("send-notice");
  var key = null;
  var asked = 0;

  function audience() {
    var tags = Array.prototype.map.call(form.querySelectorAll("input[name=tags]:checked"), function (box) { return box.value; });
    return {
      region_id: Number(form.elements.region_id.value),
      audience: form.querySelector("input[name=audience]:checked").value,
      tags: tags,
      tag_match: form.querySelector("input[name=tag_match]:checked").value
    };
  }

  function syncTags() {
    /* Tags sit on household members: a tagged notice goes to households only. */
    var everyone = form.querySelector("input[name=audience]:checked").value === "everyone";
    form.querySelectorAll("#tag-choices input").forEach(function (box) {
      box.disabled = everyone;
      if (everyone && box.type === "checkbox") box.checked = false;
    });
  }

  function refresh() {
    syncTags();
    var mine = ++asked;
    count.textContent = "…";
    gridapp.api("POST", "/api/v1/notices/preview", audience()).then(function (data) {
      if (mine === asked) count.textContent = String(data.recipients);
    }).catch(function (error) {
      if (mine === asked) { count.textContent = "—"; message.textContent = error.message; }
    });
  }

  form.addEventListener("input", function () { key = null; });  /* a changed notice is a new one */
  form.addEventListener("change", function (event) {
    if (event.target.name !== "title" && event.target.name !== "body") refresh();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    message.className = "message";
    var title = form.elements.title.value.trim();
    var body = form.elements.body.value.trim();
    if (!title || !body) {
      message.textContent = "请填写标题和正文";
      (title ? form.elements.body : form.elements.title).focus();
      return;
    }
    var payload = audience();
    payload.title = title;
    payload.body = body;
    key = key || "notice-" + Date.now() + "-" + Math.random().toString(36).slice(2);
    send.disabled = true;
    gridapp.api("POST", "/api/v1/notices", payload, { "Idempotency-Key": key }).then(function (notice) {
      message.className = "message ok";
      message.textContent = "已发送给 " + notice.recipient_count + " 人";
      window.location.assign("/h5/notices");
    }).catch(function (error) {
      message.textContent = error.message;
      send.disabled = false;
    });
  });
  refresh();
})();
