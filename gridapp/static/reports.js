/* 随手拍 pages: the report form (camera, position, repeats, idempotent submit) and a case's resident actions. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function form() {
    var el = document.getElementById("report-form");
    var message = document.getElementById("report-message");
    var submit = document.getElementById("report-submit");
    var photos = document.getElementById("photos");
    var category = document.getElementById("category");
    var anonymous = document.getElementById("anonymous");
    var code = el.dataset.code;
    var position = null;
    /* One key per report: a retry after a lost answer sends the same key and gets the same report back. */
    var key = newKey();

    function locate() {
      var status = document.getElementById("location-status");
      if (!navigator.geolocation) { if (status) status.textContent = "无法获取位置，请扫描现场二维码反映"; return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        position = { lat: p.coords.latitude, lng: p.coords.longitude };
        if (status) { status.textContent = "已获取您的位置"; status.className = "muted ok"; }
        similar();
      }, function () {
        if (status) status.textContent = "未能获取位置：请允许定位，或扫描现场二维码";
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }

    function where() {
      var params = {};
      if (code) params.code = code;
      if (position) { params.lat = position.lat; params.lng = position.lng; }
      return params;
    }

    function similar() {
      var box = document.getElementById("similar");
      var list = document.getElementById("similar-list");
      if (!category.value || (!code && !position)) { box.hidden = true; return; }
      var params = new URLSearchParams(where());
      params.set("category_id", category.value);
      gridapp.api("GET", "/api/v1/reports/similar?" + params.toString()).then(function (items) {
        list.innerHTML = "";
        items.forEach(function (item) {
          var li = document.createElement("li");
          var text = document.createElement("span");
          text.textContent = item.category.name + " · " + (item.place_label || "") + " · " + item.state_label;
          var follow = document.createElement("button");
          follow.type = "button";
          follow.className = "secondary";
          follow.textContent = "关注此反映";
          follow.addEventListener("click", function () {
            gridapp.api("POST", "/api/v1/cases/" + item.id + "/follow", where()).then(function () {
              window.location.href = "/h5/reports/" + item.id;
            }).catch(function (error) { gridapp.say(message, error.message); });
          });
          li.appendChild(text);
          li.appendChild(follow);
          list.appendChild(li);
        });
        box.hidden = items.length === 0;
      }).catch(function () { box.hidden = true; });
    }

    photos.addEventListener("change", function () {
      var previews = document.getElementById("previews");
      previews.innerHTML = "";
      Array.prototype.slice.call(photos.files, 0, 9).forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        previews.appendChild(img);
      });
      if (photos.files.length > 9) gridapp.say(message, "最多上传 9 张照片");
    });
    /* A category may stop the form (an emergency: call 110/119/120) or ask extra questions. */
    function categoryChosen() {
      var option = category.options[category.selectedIndex];
      var notice = document.getElementById("urgent-notice");
      var box = document.getElementById("questions");
      notice.textContent = option.dataset.notice || "";
      ["110", "119", "120"].forEach(function (number) {
        if (notice.textContent.indexOf(number) < 0) return;
        var call = document.createElement("a");
        call.href = "tel:" + number;
        call.textContent = " 拨打 " + number;
        notice.appendChild(call);
      });
      notice.hidden = !option.dataset.notice;
      submit.disabled = Boolean(option.dataset.notice);
      Array.prototype.slice.call(box.querySelectorAll("label")).forEach(function (label) { box.removeChild(label); });
      var asked = option.value ? JSON.parse(option.dataset.questions || "[]") : [];
      asked.forEach(function (q) {
        var label = document.createElement("label");
        label.textContent = q.label + (q.required ? "" : "（选填）");
        var input;
        if (q.type === "choice" || q.type === "yes_no") {
          input = document.createElement("select");
          var choices = q.type === "choice" ? q.choices : ["是", "否"];
          [""].concat(choices).forEach(function (c) {
            var o = document.createElement("option");
            o.value = c;
            o.textContent = c || "请选择";
            input.appendChild(o);
          });
        } else {
          input = document.createElement("input");
          input.type = q.type === "number" ? "number" : "text";
          if (q.type === "number") input.inputMode = "decimal";
        }
        input.dataset.key = q.key;
        input.required = Boolean(q.required);
        label.appendChild(input);
        box.appendChild(label);
      });
      box.hidden = asked.length === 0;
      similar();
    }

    function answers() {
      var given = {};
      Array.prototype.forEach.call(document.querySelectorAll("#questions [data-key]"), function (input) {
        if (input.value.trim()) given[input.dataset.key] = input.value.trim();
      });
      return given;
    }

    category.addEventListener("change", categoryChosen);
    anonymous.addEventListener("change", function () {
      document.getElementById("contact-fields").hidden = anonymous.checked;
    });

    el.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!photos.files.length) { gridapp.say(message, "请至少拍摄或选择 1 张照片"); return; }
      if (!code && !position) { gridapp.say(message, "请允许获取位置后再提交"); return; }
      var body = new FormData();
      body.append("category_id", category.value);
      body.append("description", document.getElementById("description").value.trim());
      body.append("anonymous", anonymous.checked ? "true" : "false");
      if (!document.getElementById("questions").hidden) body.append("answers", JSON.stringify(answers()));
      if (!anonymous.checked) {
        ["contact_name", "contact_phone"].forEach(function (name) {
          var value = document.getElementById(name).value.trim();
          if (value) body.append(name, value);
        });
      }
      var params = where();
      Object.keys(params).forEach(function (name) { body.append(name, params[name]); });
      Array.prototype.forEach.call(photos.files, function (file) { body.append("photos", file, file.name); });
      submit.disabled = true;
      gridapp.say(message, "正在提交…", true);
      gridapp.api("POST", "/api/v1/reports", body, { "Idempotency-Key": key }).then(function (report) {
        window.location.href = "/h5/reports?sent=" + report.id;
      }).catch(function (error) {
        submit.disabled = false;
        gridapp.say(message, error.message);
      });
    });

    /* A code names the place; the position still helps for codes without a grid (a cadre's badge). */
    locate();
    similar();
  }

  function casePage() {
    var id = document.getElementById("case").dataset.caseId;
    var message = document.getElementById("action-message");
    var stars = 0;
    Array.prototype.forEach.call(document.querySelectorAll(".star"), function (button) {
      button.addEventListener("click", function () {
        stars = Number(button.dataset.stars);
        Array.prototype.forEach.call(document.querySelectorAll(".star"), function (b) {
          b.classList.toggle("on", Number(b.dataset.stars) <= stars);
        });
      });
    });

    function send(action, body) {
      gridapp.api("POST", "/api/v1/cases/" + id + "/" + action, body).then(function () {
        window.location.reload();
      }).catch(function (error) { gridapp.say(message, error.message); });
    }

    function comment() {
      var box = document.getElementById("comment");
      return box ? box.value.trim() : "";
    }

    var confirm = document.getElementById("confirm");
    if (confirm) confirm.addEventListener("click", function () {
      send("confirm", stars ? { stars: stars, comment: comment() } : {});
    });
    var rate = document.getElementById("rate");
    if (rate) rate.addEventListener("click", function () {
      if (!stars) { gridapp.say(message, "请先选择星级"); return; }
      send("rate", { stars: stars, comment: comment() });
    });
    var reopen = document.getElementById("reopen");
    if (reopen) reopen.addEventListener("click", function () {
      var note = document.getElementById("reopen-note").value.trim();
      if (!note) { gridapp.say(message, "请说明不满意的原因"); return; }
      send("reopen", { note: note });
    });
  }

  window.gridappReports = { form: form, casePage: casePage };
})();
