/* 直联: open a conversation, reply in one, turn one into a case; each posts to the JSON API, then the page reloads. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var BASE = "/api/v1/direct-line/conversations";

  function newKey() { return gridapp.newKey(); }

  function photoIds(form) {
    var box = form.querySelector("[data-photo-picker]");
    if (!box || !window.gridPhotos) return Promise.resolve([]);
    var picker = window.gridPhotos.of(box);
    return picker.count() ? picker.uploadIds() : Promise.resolve([]);
  }

  function sending(form, make) {
    var button = form.querySelector("button[type=submit]"), message = form.querySelector(".message");
    var key = newKey();  // one key per form: a retry after a lost answer is not sent twice
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      say(message, "正在发送……", true);
      make(key).then(function (where) {
        window.location.assign(where || window.location.href);
      }).catch(function (error) {
        if (error.status) key = newKey();  // the server answered: the next try is a new request
        say(message, error.message);
        button.disabled = false;
      });
    });
  }

  var open = document.getElementById("direct-open");
  if (open) {
    sending(open, function (key) {
      var body = open.elements.body.value.trim();
      var chosen = open.querySelector("input[name=contact]:checked").value.split(":");
      return photoIds(open).then(function (ids) {
        if (!body && !ids.length) throw new Error("请填写留言内容");
        var data = { kind: chosen[0], body: body, upload_ids: ids };
        if (chosen[1]) data.contact_id = parseInt(chosen[1], 10);
        if (open.dataset.code) data.code = open.dataset.code; else data.grid_id = parseInt(open.dataset.grid, 10);
        return api("POST", BASE, data, { "Idempotency-Key": key });
      }).then(function (conversation) { return "/h5/direct/" + conversation.id; });
    });
  }

  var page = document.getElementById("conversation");
  if (!page) return;
  var id = page.dataset.conversation;
  if (page.dataset.unread !== "0") api("POST", BASE + "/" + id + "/read").catch(function () {});
  var last = document.querySelector("#messages li:last-child");
  if (last) last.scrollIntoView({ block: "nearest" });

  var reply = document.getElementById("direct-reply");
  sending(reply, function (key) {
    var body = reply.elements.body.value.trim();
    return photoIds(reply).then(function (ids) {
      if (!body && !ids.length) throw new Error("请填写回复内容");
      return api("POST", BASE + "/" + id + "/messages", { body: body, upload_ids: ids }, { "Idempotency-Key": key });
    }).then(function () { return null; });
  });

  var convert = document.getElementById("direct-convert");
  if (convert) {
    sending(convert, function () {
      return api("POST", BASE + "/" + id + "/case", { category_id: parseInt(convert.elements.category_id.value, 10) })
        .then(function () { return null; });
    });
  }
})();
