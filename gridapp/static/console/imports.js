/* The console's record imports (households, shops …) with their templates, and printable code sheets. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var kind = document.getElementById("r-kind");

  kind.addEventListener("change", function () {
    ["csv", "xlsx"].forEach(function (format) {
      document.getElementById("template-" + format).href = "/api/v1/admin/imports/" + kind.value + "/template?format=" + format;
    });
  });

  document.getElementById("records-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var message = document.getElementById("records-message"), list = document.getElementById("records-problems");
    var file = document.getElementById("r-file").files[0];
    if (!file) { say(message, "请选择文件"); return; }
    var body = new FormData();
    body.append("file", file, file.name);
    var codes = document.getElementById("r-codes").checked ? "true" : "false";
    list.innerHTML = "";
    say(message, "正在导入…", true);
    api("POST", "/api/v1/admin/imports/" + kind.value + "?issue_codes=" + codes, body).then(function (result) {
      say(message, "已导入 " + result.imported + " 条，生成二维码 " + result.codes_issued + " 个", true);
    }).catch(function (error) {
      say(message, error.message);
      ((error.data && error.data.details && error.data.details.errors) || []).forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = "第 " + e.row + " 行 " + e.field + "：" + e.message;
        list.appendChild(li);
      });
    });
  });

  function poll(job, message, link) {
    if (job.status === "done") {
      say(message, "已生成", true);
      link.href = job.download_url;
      link.hidden = false;
    } else if (job.status === "failed") {
      say(message, job.error || "生成失败");
    } else {
      say(message, "正在生成 " + job.done + "/" + job.total, true);
      setTimeout(function () {
        api("GET", "/api/v1/code-sheets/" + job.id).then(function (next) { poll(next, message, link); });
      }, 1500);
    }
  }

  document.getElementById("sheet-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var message = document.getElementById("sheet-message"), link = document.getElementById("sheet-link");
    var body = { region_id: Number(document.getElementById("s-region").value) };
    var kinds = Array.prototype.map.call(document.querySelectorAll("input[name=sheet-kind]:checked"), function (b) { return b.value; });
    if (kinds.length) body.kinds = kinds;
    var building = document.getElementById("s-building").value.trim();
    if (building) body.building = building;
    link.hidden = true;
    api("POST", "/api/v1/code-sheets", body).then(function (job) { poll(job, message, link); })
      .catch(function (error) { say(message, error.message); });
  });
})();
