/* The console's outside systems: connect a category to an outside Open311 system, change it (an empty key keeps the
   old one), disable and enable it. Every call is the JSON API's. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var form = document.getElementById("outside-system-form");
  if (!form) return;
  var editing = null;
  var key = gridapp.newKey();
  var field = function (id) { return document.getElementById(id); };

  function reset() {
    editing = null;
    form.reset();
    field("o-key").required = true;
    field("o-key").placeholder = "";
    field("form-title").textContent = "新建对接";
  }

  field("outside-system-reset").addEventListener("click", reset);
  document.querySelectorAll("#outside-system-list .row").forEach(function (row) {
    var message = row.querySelector(".message");
    var system = JSON.parse(row.dataset.system);
    var url = "/api/v1/outside-systems/" + row.dataset.systemId;
    row.querySelector(".edit").addEventListener("click", function () {
      editing = row.dataset.systemId;
      field("form-title").textContent = "修改对接：" + system.name;
      field("o-name").value = system.name;
      field("o-category").value = String(system.category_id);
      field("o-url").value = system.base_url;
      field("o-service").value = system.service_code;
      field("o-jurisdiction").value = system.jurisdiction_id || "";
      field("o-key").value = "";
      field("o-key").required = false;
      field("o-key").placeholder = "留空则不修改";
      form.scrollIntoView({ block: "nearest" });
    });
    var disable = row.querySelector(".disable"), enable = row.querySelector(".enable");
    if (disable) disable.addEventListener("click", function () {
      api("POST", url + "/disable", { note: "" }).then(function () { window.location.reload(); })
        .catch(function (error) { say(message, error.message); });
    });
    if (enable) enable.addEventListener("click", function () {
      api("PATCH", url, { is_active: true }).then(function () { window.location.reload(); })
        .catch(function (error) { say(message, error.message); });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = field("outside-system-message");
    var body = {
      name: field("o-name").value.trim(),
      category_id: Number(field("o-category").value),
      base_url: field("o-url").value.trim(),
      service_code: field("o-service").value.trim(),
      jurisdiction_id: field("o-jurisdiction").value.trim() || null
    };
    if (field("o-key").value) body.api_key = field("o-key").value;
    var call = editing
      ? api("PATCH", "/api/v1/outside-systems/" + editing, body)
      : api("POST", "/api/v1/outside-systems", body, { "Idempotency-Key": key });
    call.then(function () {
      key = gridapp.newKey();
      say(message, "已保存", true);
      window.location.reload();
    }).catch(function (error) { say(message, error.message); });
  });
})();
