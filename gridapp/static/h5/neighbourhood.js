/* Below the grid on the phone: a head reports from their charge (photos through the shared picker); the grid
 * worker appoints and ends heads; officials plan patrols and record rounds. Everything goes through the JSON API
 * (gridapp.api); the page reloads to show what the server now holds. */
(function () {
  "use strict";

  function value(form, name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }

  function submitting(form, message, send, done) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      gridapp.say(message, "正在提交…", true);
      Promise.resolve().then(function () { return send(form); }).then(function () {
        gridapp.say(message, done, true);
        window.setTimeout(function () { window.location.reload(); }, 600);
      }).catch(function (error) {
        button.disabled = false;
        gridapp.say(message, error.message);
      });
    });
  }

  function chargePage() {
    var form = document.getElementById("head-report");
    if (!form) return;
    var picker = window.gridPhotos ? gridPhotos.of(document.getElementById("head-report-photos")) : null;
    var key = gridapp.newKey();
    submitting(form, document.getElementById("head-report-message"), function () {
      if (!value(form, "category_id")) throw new Error("请选择问题类别");
      if (picker && !picker.count()) throw new Error("请至少拍摄或选择 1 张现场照片");
      var head = form.elements.head ? form.elements.head.value : form.dataset.headId;
      return picker.uploadIds().then(function (ids) {
        var body = new FormData();
        body.append("category_id", value(form, "category_id"));
        body.append("description", value(form, "description"));
        ids.forEach(function (id) { body.append("upload_ids", id); });
        return gridapp.api("POST", "/api/v1/neighbourhood/my-charge/" + head + "/reports", body, { "Idempotency-Key": key });
      });
    }, "已上报，网格员会尽快处理");
  }

  function headsPage() {
    var message = document.getElementById("end-message");
    Array.prototype.forEach.call(document.querySelectorAll(".end-head"), function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        gridapp.api("POST", "/api/v1/neighbourhood/heads/" + button.dataset.headId + "/end").then(function () {
          window.location.reload();
        }).catch(function (error) { button.disabled = false; gridapp.say(message, error.message); });
      });
    });
    var form = document.getElementById("appoint-form");
    if (!form) return;
    var kind = form.elements.kind;
    function shown() {
      var ten = kind.value === "ten_household_head";
      document.getElementById("appoint-households").hidden = !ten;
      document.getElementById("appoint-place").hidden = ten;
    }
    kind.addEventListener("change", shown);
    shown();
    var key = gridapp.newKey();
    submitting(form, document.getElementById("appoint-message"), function () {
      if (!value(form, "phone")) throw new Error("请填写居民手机号");
      var body = { grid_id: Number(form.dataset.gridId), kind: kind.value, phone: value(form, "phone") };
      if (kind.value === "ten_household_head") {
        body.household_ids = Array.prototype.map.call(form.querySelectorAll("input[name=household_ids]:checked"),
          function (box) { return Number(box.value); });
      } else {
        body.building = value(form, "building");
        if (kind.value === "unit_head") body.unit = value(form, "unit");
      }
      return gridapp.api("POST", "/api/v1/neighbourhood/heads", body, { "Idempotency-Key": key });
    }, "已任命");
  }

  function patrolsPage() {
    Array.prototype.forEach.call(document.querySelectorAll(".round-form"), function (form) {
      var key = gridapp.newKey();
      submitting(form, form.querySelector(".message"), function () {
        return gridapp.api("POST", "/api/v1/patrol-plans/" + form.dataset.planId + "/rounds",
          { grid_id: Number(value(form, "grid_id")), notes: value(form, "notes") }, { "Idempotency-Key": key });
      }, "巡查已登记");
    });
    var plan = document.getElementById("plan-form");
    if (!plan) return;
    var key = gridapp.newKey();
    submitting(plan, document.getElementById("plan-message"), function () {
      if (!value(plan, "name")) throw new Error("请填写计划名称");
      var body = { region_id: Number(value(plan, "region_id")), name: value(plan, "name") };
      if (value(plan, "cadence")) body.cadence = value(plan, "cadence");
      return gridapp.api("POST", "/api/v1/patrol-plans", body, { "Idempotency-Key": key });
    }, "已新建");
  }

  window.gridappNeighbourhood = { chargePage: chargePage, headsPage: headsPage, patrolsPage: patrolsPage };
})();
