/* The console's departments: create, edit (name, kind, served regions), deactivate and reactivate. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var form = document.getElementById("department-form");
  if (!form) return;
  var editing = null;
  var key = newKey();

  function newKey() { return gridapp.newKey(); }

  function regions(ids) {
    document.querySelectorAll("input[name=region]").forEach(function (box) { box.checked = ids.indexOf(box.value) >= 0; });
  }

  function reset() {
    editing = null;
    form.reset();
    document.getElementById("d-code").disabled = false;
    document.getElementById("form-title").textContent = "新建部门";
  }

  document.getElementById("department-reset").addEventListener("click", reset);
  document.querySelectorAll("#department-list .row").forEach(function (row) {
    var message = row.querySelector(".message");
    row.querySelector(".edit").addEventListener("click", function () {
      editing = row.dataset.departmentId;
      document.getElementById("form-title").textContent = "修改部门：" + row.dataset.name;
      document.getElementById("d-code").disabled = true;
      document.getElementById("d-name").value = row.dataset.name;
      document.getElementById("d-kind").value = row.dataset.kind;
      regions(row.dataset.regions ? row.dataset.regions.split(",") : []);
      form.scrollIntoView({ block: "nearest" });
    });
    var toggle = row.querySelector(".toggle");
    toggle.addEventListener("click", function () {
      var active = toggle.dataset.active !== "true";
      api("PATCH", "/api/v1/departments/" + row.dataset.departmentId, { is_active: active }).then(function () {
        window.location.reload();
      }).catch(function (error) { say(message, error.message); });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = document.getElementById("department-message");
    var body = {
      name: document.getElementById("d-name").value.trim(),
      kind: document.getElementById("d-kind").value.trim(),
      region_ids: Array.prototype.map.call(document.querySelectorAll("input[name=region]:checked"), function (b) { return Number(b.value); })
    };
    var call;
    if (editing) {
      call = api("PATCH", "/api/v1/departments/" + editing, body);
    } else {
      body.code = document.getElementById("d-code").value.trim();
      call = api("POST", "/api/v1/departments", body, { "Idempotency-Key": key });
    }
    call.then(function () {
      key = newKey();
      say(message, "已保存", true);
      window.location.reload();
    }).catch(function (error) { say(message, error.message); });
  });
})();
