/* The console's region tree: import a file, and rename, redraw, move or retire a node, all through the JSON API. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var current = null;

  function problems(list, error) {
    list.innerHTML = "";
    var details = error.data && error.data.details;
    var items = (details && details.errors) || [];
    items.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = (e.row ? "第 " + e.row + " 行" : "第 " + e.feature + " 个要素") + " " + e.field + "：" + e.message;
      list.appendChild(li);
    });
  }

  var form = document.getElementById("import-form");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = document.getElementById("import-message"), list = document.getElementById("import-problems");
    var file = document.getElementById("import-file").files[0];
    if (!file) { say(message, "请选择文件"); return; }
    var body = new FormData();
    body.append("file", file, file.name);
    say(message, "正在导入…", true);
    api("POST", "/api/v1/regions/import", body).then(function (result) {
      list.innerHTML = "";
      result.warnings.forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = "提醒：" + w.message;
        list.appendChild(li);
      });
      say(message, "已导入 " + result.created + " 个区域", true);
      setTimeout(function () { window.location.reload(); }, result.warnings.length ? 4000 : 800);
    }).catch(function (error) { say(message, error.message); problems(list, error); });
  });

  function open(box, row) {
    current = row;
    ["edit-box", "move-box"].forEach(function (id) { var b = document.getElementById(id); if (b) b.hidden = true; });
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  document.querySelectorAll("#children .row").forEach(function (row) {
    var id = row.dataset.regionId, message = row.querySelector(".message");
    var edit = row.querySelector(".edit"), move = row.querySelector(".move"), retire = row.querySelector(".retire");
    if (edit) edit.addEventListener("click", function () {
      document.getElementById("edit-name").value = row.dataset.name;
      document.getElementById("edit-boundary").value = "";
      document.getElementById("edit-boundary-label").hidden = row.dataset.level !== "grid";
      open(document.getElementById("edit-box"), row);
    });
    if (move) move.addEventListener("click", function () {
      document.getElementById("move-title").textContent = "把“" + row.dataset.name + "”移动到";
      open(document.getElementById("move-box"), row);
    });
    if (retire) retire.addEventListener("click", function () {
      var note = window.prompt("撤销“" + row.dataset.name + "”的原因");
      if (note === null) return;
      api("POST", "/api/v1/regions/" + id + "/retire", { note: note }).then(function () {
        window.location.reload();
      }).catch(function (error) { say(message, error.message); });
    });
  });

  var editForm = document.getElementById("edit-form");
  editForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = document.getElementById("edit-message");
    var body = { name: document.getElementById("edit-name").value.trim() };
    var boundary = document.getElementById("edit-boundary").value.trim();
    if (boundary) {
      try { body.boundary = JSON.parse(boundary); } catch (e) { say(message, "边界不是有效的 JSON"); return; }
    }
    api("PATCH", "/api/v1/regions/" + current.dataset.regionId, body).then(function (result) {
      if (result.warnings.length) { say(message, result.warnings.map(function (w) { return w.message; }).join("；")); return; }
      window.location.reload();
    }).catch(function (error) { say(message, error.message); });
  });
  document.getElementById("edit-cancel").addEventListener("click", function () { document.getElementById("edit-box").hidden = true; });

  var moveForm = document.getElementById("move-form");
  if (moveForm) {
    moveForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { parent_id: Number(document.getElementById("move-parent").value) };
      api("POST", "/api/v1/regions/" + current.dataset.regionId + "/move", body).then(function () {
        window.location.reload();
      }).catch(function (error) { say(document.getElementById("move-message"), error.message); });
    });
    document.getElementById("move-cancel").addEventListener("click", function () { document.getElementById("move-box").hidden = true; });
  }
})();
