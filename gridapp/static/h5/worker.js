/* 网格员助手's case page: each action the case allows (the service's list) posts to the case's JSON API.
   A failed call keeps the form as it was and says why in Chinese; a done one reloads the page with the new state. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var box = document.getElementById("case");
  var caseId = box.dataset.caseId;

  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  /* Metres between two WGS-84 points (haversine), only to show the worker how far the spot is before sending. */
  function metres(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 6371000 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }

  function fieldMessage(error) {
    var details = error.data && error.data.details;
    var json = details && (details.json || details.files || details.form);
    if (error.status === 422 && json) {
      return error.message + "：" + Object.keys(json).map(function (name) { return [].concat(json[name]).join("，"); }).join("；");
    }
    return error.message;
  }

  /* The position is asked for first and the distance shown; only then may the check-in be sent. */
  function checkIn(form, body) {
    var locate = form.querySelector(".locate"), distance = form.querySelector("[data-distance]");
    var submit = form.querySelector("button[type=submit]");
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { say(distance, "此设备无法获取位置，请在手机上打开定位后重试"); return; }
      locate.disabled = true;
      say(distance, "正在获取位置……", true);
      navigator.geolocation.getCurrentPosition(function (position) {
        body.lat = position.coords.latitude;
        body.lng = position.coords.longitude;
        var text = "已获取位置";
        if (box.dataset.lat) {
          var away = Math.round(metres(body.lat, body.lng, parseFloat(box.dataset.lat), parseFloat(box.dataset.lng)));
          text = "您距上报位置约 " + away + " 米" + (away > 500 ? "，请确认已到达现场" : "");
        }
        say(distance, text, true);
        locate.disabled = false;
        submit.disabled = false;
      }, function () {
        say(distance, "无法获取位置，请允许网页使用定位后重试");
        locate.disabled = false;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
  }

  var resolveKey = gridapp.newKey();
  /* A resolution kept as a draft is sent when the signal returns (here, or by the service worker): show the result. */
  window.gridDrafts.onChange(function (news) { if (news.sent === resolveKey) window.location.reload(); });

  function send(form, action, body) {
    var path = "/api/v1/cases/" + caseId + "/" + action.replace("_", "-");
    if (action !== "resolve") return api("POST", path, body);
    var picker = window.gridPhotos.of(form.querySelector("[data-photo-picker]"));
    if (!picker.count()) return Promise.reject(new Error("请上传处置后的照片"));
    /* Written where there is no signal (a basement), the resolution is kept as a draft and sent when it returns. */
    return window.gridDrafts.submit({
      key: resolveKey, title: "处置：案件 " + caseId, url: path, fields: [["note", body.note]], photoField: "upload_ids",
      done: window.location.pathname
    }, picker).then(function (result) { return result.draft ? { kept: true } : result.answer; });
  }

  document.querySelectorAll("form[data-action]").forEach(function (form) {
    var action = form.dataset.action, message = form.querySelector(".message");
    var submit = form.querySelector("button[type=submit]");
    var located = {};
    if (action === "check_in") checkIn(form, located);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { note: form.elements.note.value.trim() };
      if (form.elements.reason) body.reason = form.elements.reason.value;
      if (form.elements.into_case_id) body.into_case_id = parseInt(form.elements.into_case_id.value, 10);
      if (action === "check_in") { body.lat = located.lat; body.lng = located.lng; }
      submit.disabled = true;
      say(message, "正在提交……", true);
      send(form, action, body).then(function (answer) {
        if (answer && answer.kept) { say(message, window.gridDrafts.SAVED, true); return; }
        say(message, "已提交", true);
        window.location.reload();
      }).catch(function (error) {
        say(message, fieldMessage(error));
        submit.disabled = false;
      });
    });
  });
})();
