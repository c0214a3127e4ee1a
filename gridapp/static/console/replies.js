/* The console's reply templates: create, edit and delete through /api/v1/reply-templates. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var form = document.getElementById("reply-form");
  if (!form) return;
  var editing = null;
  var key = newKey();

  function newKey() { return gridapp.newKey(); }
  function field(id) { return document.getElementById(id); }

  function reset() {
    editing = null;
    form.reset();
    field("reply-form-title").textContent = "新建回复模板";
  }

  field("reply-reset").addEventListener("click", reset);
  document.querySelectorAll("#reply-list .row").forEach(function (row) {
    var message = row.querySelector(".message");
    row.querySelector(".edit").addEventListener("click", function () {
      editing = row.dataset.templateId;
      field("reply-form-title").textContent = "修改回复模板：" + row.dataset.title;
      field("r-title").value = row.dataset.title;
      field("r-body").value = row.dataset.body;
      field("r-category").value = row.dataset.categoryId;
      field("r-state").value = row.dataset.state;
      form.scrollIntoView({ block: "nearest" });
      field("r-title").focus();
    });
    row.querySelector(".delete").addEventListener("click", function () {
      if (!window.confirm("删除回复模板“" + row.dataset.title + "”？")) return;
      api("DELETE", "/api/v1/reply-templates/" + row.dataset.templateId).then(function () {
        window.location.reload();
      }).catch(function (error) { say(message, error.message); });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = field("reply-message");
    var body = {
      title: field("r-title").value.trim(),
      body: field("r-body").value.trim(),
      category_id: field("r-category").value ? Number(field("r-category").value) : null,
      state: field("r-state").value || null
    };
    var call = editing
      ? api("PATCH", "/api/v1/reply-templates/" + editing, body)
      : api("POST", "/api/v1/reply-templates", body, { "Idempotency-Key": key });
    call.then(function () {
      key = newKey();
      say(message, "已保存", true);
      window.location.reload();
    }).catch(function (error) { say(message, error.message); });
  });
})();
