/* 场所登记 pages: deleting one's own check-ins, and the officials' lookup (the API records it before answering). */
(function () {
  "use strict";

  function localTime(iso) {
    return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  var mine = document.getElementById("my-check-ins");
  if (mine) {
    var message = document.getElementById("check-in-message");
    mine.querySelectorAll(".delete-check-in").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        gridapp.api("DELETE", "/api/v1/me/check-ins/" + button.dataset.id).then(function () {
          button.closest("li").remove();
          gridapp.say(message, "已删除", true);
        }).catch(function (error) { gridapp.say(message, error.message); button.disabled = false; });
      });
    });
  }

  var form = document.getElementById("visitor-lookup");
  if (form) {
    var say = document.getElementById("lookup-message");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { code: form.code.value.trim(), reason: form.reason.value.trim() };
      if (!body.code) { gridapp.say(say, "请填写场所码编号"); form.code.focus(); return; }
      if (body.reason.length < 4) { gridapp.say(say, "请填写查询理由（至少 4 个字）"); form.reason.focus(); return; }
      ["since", "until"].forEach(function (name) {
        if (form[name].value) body[name] = new Date(form[name].value).toISOString();
      });
      gridapp.api("POST", "/api/v1/venues/visitor-lookups", body).then(function (result) {
        var rows = document.getElementById("visitor-rows");
        rows.innerHTML = "";
        result.visitors.forEach(function (v) {
          var tr = document.createElement("tr");
          [localTime(v.checked_in_at), v.name, v.phone || ""].forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = text;
            tr.appendChild(td);
          });
          rows.appendChild(tr);
        });
        document.getElementById("lookup-title").textContent = result.lookup.venue_name + " · 访客 " + result.visitors.length + " 人";
        document.getElementById("lookup-result").hidden = false;
        gridapp.say(say, "已查询，本次查询已留痕", true);
      }).catch(function (error) { gridapp.say(say, error.message); });
    });
  }
})();
