/* Risk and care pages: register a key person (or a household on poverty watch), record a visit with photos,
 * set a risk tier, add a relapse signal, close a record. Everything goes through the JSON API (gridapp.api);
 * the page reloads to show what the server now holds. */
(function () {
  "use strict";

  function value(form, name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }

  /* Submit `form` by calling `send(form)`, saying what happened in `message`; then `after(result)`, by default a
   * reload. */
  function wire(form, message, send, done, after) {
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      gridapp.say(message, "正在提交…", true);
      Promise.resolve().then(function () { return send(form); }).then(function (result) {
        gridapp.say(message, done || "已保存", true);
        if (after) { after(result); return; }
        window.setTimeout(function () { window.location.reload(); }, 600);
      }).catch(function (error) {
        button.disabled = false;
        gridapp.say(message, error.message);
      });
    });
  }

  function listPage() {
    var form = document.getElementById("care-register");
    if (!form) return;
    var key = gridapp.newKey();
    wire(form, document.getElementById("register-message"), function () {
      var member = form.elements.member;
      if (!member.value) throw new Error("请选择人员");
      var category = value(form, "category");
      var body = { category: category, note: value(form, "note") };
      if (category === "poverty_relapse") {
        body.household_id = Number(member.options[member.selectedIndex].dataset.household);
      } else {
        body.member_id = Number(member.value);
      }
      if (value(form, "guardian_name")) body.guardian_name = value(form, "guardian_name");
      if (value(form, "guardian_phone")) body.guardian_phone = value(form, "guardian_phone");
      return gridapp.api("POST", "/api/v1/care/records", body, { "Idempotency-Key": key });
    }, "已登记", function (record) { window.location.href = "/h5/care/" + record.id; });
  }

  function recordPage() {
    var page = document.getElementById("care-record");
    var id = page.dataset.recordId;
    var base = "/api/v1/care/records/" + id;

    var visit = document.getElementById("visit-form");
    var picker = visit && window.gridPhotos ? gridPhotos.of(document.getElementById("visit-photos")) : null;
    wire(visit, document.getElementById("visit-message"), function (form) {
      var notes = value(form, "notes");
      if (!notes) throw new Error("请填写走访情况");
      return (picker ? picker.uploadIds() : Promise.resolve([])).then(function (ids) {
        return gridapp.api("POST", base + "/visits", { notes: notes, upload_ids: ids });
      });
    }, "走访已登记");

    wire(document.getElementById("tier-form"), document.getElementById("tier-message"), function (form) {
      var checked = form.querySelector("input[name=tier]:checked");
      if (!checked) throw new Error("请选择风险等级");
      var person = page.dataset.memberId;
      return gridapp.api("POST", "/api/v1/risk/ratings", {
        subject_kind: person ? "person" : "household", subject_id: Number(person || page.dataset.householdId),
        tier: checked.value, note: value(form, "note")
      });
    }, "已评定并推送");

    wire(document.getElementById("signal-form"), document.getElementById("signal-message"), function (form) {
      return gridapp.api("POST", base + "/signals", { kind: value(form, "kind"), note: value(form, "note") });
    }, "信号已登记");

    wire(document.getElementById("close-form"), document.getElementById("close-message"), function (form) {
      if (!value(form, "reason")) throw new Error("请填写销号原因");
      return gridapp.api("POST", base + "/close", { reason: value(form, "reason") });
    }, "已销号");
  }

  window.gridappCare = { listPage: listPage, recordPage: recordPage };
})();
