/* 包案督办 pages: setting up a task force, each unit's steps on its sub-task, and closing (the API records each step). */
(function () {
  "use strict";

  /* A datetime-local value is China time; the API wants an offset. */
  function chinaTime(value) { return value ? value + ":00+08:00" : null; }

  var form = document.getElementById("task-force-form");
  if (form) {
    var message = document.getElementById("task-force-form-message");
    var key = gridapp.newKey();  /* one per task force: a retry after a lost answer never sets it up twice */
    function kind() { return form.querySelector("input[name=kind]:checked").value; }
    function showKind() {
      form.querySelectorAll("fieldset[data-for]").forEach(function (set) { set.hidden = set.dataset.for !== kind(); });
    }
    form.querySelectorAll("input[name=kind]").forEach(function (radio) { radio.addEventListener("change", showKind); });
    function units() {
      var rows = [];
      form.querySelectorAll(".unit-row").forEach(function (row) {
        var unit = row.querySelector(".unit").value, task = row.querySelector(".unit-task").value.trim();
        if (!unit) return;
        var parts = unit.split(":"), spec = { task: task };
        spec[parts[0] + "_id"] = Number(parts[1]);
        rows.push(spec);
      });
      return rows;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.subject_id.value.trim() || form.title.value.trim().length < 2) {
        gridapp.say(message, "请填写事项编号和标题"); return;
      }
      var body = {
        subject_kind: form.subject_kind.value, subject_id: Number(form.subject_id.value), title: form.title.value.trim(),
        measures: form.measures.value.trim(), deadline: chinaTime(form.deadline.value)
      };
      var path;
      if (kind() === "leader") {
        path = "/api/v1/task-forces/leader";
        body.lead_department_id = Number(form.lead_department.value);
        body.lead_task = form.lead_task.value.trim();
        body.assisting = units();
      } else {
        path = "/api/v1/task-forces/joint";
        body.locality = { region_id: Number(form.locality.value), task: form.locality_task.value.trim() };
        body.responsible = { department_id: Number(form.responsible.value), task: form.responsible_task.value.trim() };
        body.co_handlers = units();
      }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      gridapp.api("POST", path, body, { "Idempotency-Key": key })
        .then(function (row) { window.location.href = "/h5/task-forces/" + row.id; })
        .catch(function (error) { gridapp.say(message, error.message); button.disabled = false; });
    });
  }

  var root = document.getElementById("task-force");
  if (!root) return;
  var say = document.getElementById("task-force-message");
  function done() { window.location.reload(); }
  function fail(error) { gridapp.say(say, error.message); }

  document.querySelectorAll("form.member-step").forEach(function (step) {
    step.querySelectorAll("button[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        var note = step.note.value.trim();
        var path = "/api/v1/task-forces/subtasks/" + step.dataset.memberId + "/" + button.dataset.action;
        gridapp.api("POST", path, { note: note }).then(done).catch(fail);
      });
    });
  });

  var close = document.getElementById("close-form");
  if (close) close.addEventListener("submit", function (event) {
    event.preventDefault();
    gridapp.api("POST", "/api/v1/task-forces/" + root.dataset.id + "/close", { note: close.note.value.trim() }).then(done).catch(fail);
  });
})();
