/* The console's categories: create, edit and retire, with routes, SLA minutes, questions and an urgent notice. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var form = document.getElementById("category-form");
  if (!form) return;
  var editing = null;
  var key = newKey();

  function newKey() { return gridapp.newKey(); }
  function field(id) { return document.getElementById(id); }

  function questionsText(questions) {
    return questions.map(function (q) {
      return [q.key, q.label, q.type, q.required ? "是" : "否", (q.choices || []).join("/")].join("|");
    }).join("\n");
  }

  function parseQuestions(text) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var parts = line.split("|").map(function (p) { return p.trim(); });
      var question = { key: parts[0], label: parts[1] || parts[0], type: parts[2] || "text", required: parts[3] === "是" };
      if (question.type === "choice") question.choices = (parts[4] || "").split("/").filter(Boolean);
      return question;
    });
  }

  field("category-reset").addEventListener("click", function () {
    editing = null;
    form.reset();
    field("c-code").disabled = false;
    field("form-title").textContent = "新建类别";
  });

  document.querySelectorAll("#category-list .row").forEach(function (row) {
    var data = JSON.parse(row.dataset.category), message = row.querySelector(".message");
    row.querySelector(".edit").addEventListener("click", function () {
      editing = row.dataset.categoryId;
      field("form-title").textContent = "修改类别：" + data.name;
      field("c-code").value = data.code;
      field("c-code").disabled = true;
      field("c-name").value = data.name;
      field("c-route").value = data.default_route;
      field("c-kind").value = data.department_kind || "";
      field("c-difficulty").value = data.difficulty;
      field("c-confirm").value = data.confirm_minutes;
      field("c-onsite").value = data.onsite_minutes;
      field("c-resolve").value = data.resolve_minutes;
      field("c-working").checked = data.working_time;
      field("c-urgent").checked = data.is_urgent;
      field("c-notice").value = data.urgent_notice || "";
      field("c-questions").value = questionsText(data.questions);
      form.scrollIntoView({ block: "nearest" });
    });
    var retire = row.querySelector(".retire");
    if (retire) retire.addEventListener("click", function () {
      var note = window.prompt("停用“" + data.name + "”的原因");
      if (note === null) return;
      api("POST", "/api/v1/categories/" + row.dataset.categoryId + "/retire", { note: note }).then(function () {
        window.location.reload();
      }).catch(function (error) { say(message, error.message); });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = field("category-message");
    var body = {
      name: field("c-name").value.trim(),
      default_route: field("c-route").value,
      department_kind: field("c-kind").value || null,
      difficulty: field("c-difficulty").value,
      confirm_minutes: Number(field("c-confirm").value),
      onsite_minutes: Number(field("c-onsite").value),
      resolve_minutes: Number(field("c-resolve").value),
      working_time: field("c-working").checked,
      is_urgent: field("c-urgent").checked,
      urgent_notice: field("c-notice").value.trim() || null,
      questions: parseQuestions(field("c-questions").value)
    };
    var call;
    if (editing) {
      call = api("PATCH", "/api/v1/categories/" + editing, body);
    } else {
      body.code = field("c-code").value.trim();
      call = api("POST", "/api/v1/categories", body, { "Idempotency-Key": key });
    }
    call.then(function () {
      key = newKey();
      say(message, "已保存", true);
      window.location.reload();
    }).catch(function (error) { say(message, error.message); });
  });
})();
