/* 会商研判 pages: recording a meeting with its items, handing in evidence with photos, and 销号 or sending back. */
(function () {
  "use strict";

  function chinaTime(value) { return value ? value + ":00+08:00" : null; }

  var form = document.getElementById("meeting-form");
  if (form) {
    var message = document.getElementById("meeting-form-message");
    var key = gridapp.newKey();  /* one per meeting: a retry after a lost answer never records it twice */
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var items = [];
      form.querySelectorAll(".item-row").forEach(function (row) {
        var text = row.querySelector(".item-description").value.trim();
        if (!text) return;
        var owner = row.querySelector(".item-owner").value.split(":");
        var item = { description: text, deadline: chinaTime(row.querySelector(".item-deadline").value) };
        item[owner[0] === "user" ? "owner_user_id" : "owner_department_id"] = Number(owner[1]);
        items.push(item);
      });
      if (form.title.value.trim().length < 2 || !form.held_at.value || !items.length) {
        gridapp.say(message, "请填写会议主题、时间和至少一项交办事项"); return;
      }
      var body = {
        region_id: Number(form.region_id.value), title: form.title.value.trim(), held_at: chinaTime(form.held_at.value),
        participants: form.participants.value.trim(), summary: form.summary.value.trim(), items: items
      };
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      gridapp.api("POST", "/api/v1/review-meetings", body, { "Idempotency-Key": key })
        .then(function (row) { window.location.href = "/h5/review-meetings/" + row.id; })
        .catch(function (error) { gridapp.say(message, error.message); button.disabled = false; });
    });
  }

  var root = document.getElementById("review-meeting");
  if (!root) return;
  var say = document.getElementById("review-message");
  function done() { window.location.reload(); }
  function fail(error) { gridapp.say(say, error.message); }

  document.querySelectorAll("form.evidence-form").forEach(function (evidence) {
    var picker = gridPhotos.of(evidence.querySelector("[data-photo-picker]"));
    evidence.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = evidence.evidence.value.trim();
      if (text.length < 5) { gridapp.say(say, "请写明落实情况（至少 5 个字）"); evidence.evidence.focus(); return; }
      var button = evidence.querySelector("button[type=submit]");
      button.disabled = true;
      picker.uploadIds().then(function (ids) {
        if (!ids.length) throw new Error("销号须附佐证照片");
        return gridapp.api("POST", "/api/v1/action-items/" + evidence.dataset.itemId + "/evidence", { evidence: text, upload_ids: ids });
      }).then(done).catch(function (error) { fail(error); button.disabled = false; });
    });
  });

  document.querySelectorAll("form.review-form").forEach(function (review) {
    review.querySelectorAll("button[data-accept]").forEach(function (button) {
      button.addEventListener("click", function () {
        var body = { accept: button.dataset.accept === "true", note: review.note.value.trim() };
        gridapp.api("POST", "/api/v1/action-items/" + review.dataset.itemId + "/review", body).then(done).catch(fail);
      });
    });
  });
})();
