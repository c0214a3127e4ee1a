/* The grid worker's rounds: a patrol report with the phone's position, and the reverse scan that opens a
 * household and records a visit. Photos come from the shared picker (photos.js) as upload ids; the pages
 * send everything through the JSON API (gridapp.api). */
(function () {
  "use strict";

  function newKey() { return gridapp.newKey(); }

  /* The shared picker in `element`, or none while the page has no photos.js. */
  function pickerIn(element) {
    return element && window.gridPhotos ? gridPhotos.of(element) : null;
  }

  function uploadIds(picker) {
    return picker ? picker.uploadIds() : Promise.resolve([]);
  }

  /* 巡查上报: category, description, a pin at the phone's position (draggable), photos; then the list reloads. */
  function reportPage() {
    var form = document.getElementById("patrol-form");
    var message = document.getElementById("patrol-message");
    var submit = document.getElementById("patrol-submit");
    var status = document.getElementById("location-status");
    var gridSelect = document.getElementById("grid_id");
    var picker = pickerIn(document.getElementById("patrol-photos"));
    var spot = null;  /* {lat, lng, coord_system} of the pin */
    var key = newKey();  /* one report per key: a retry after a lost answer gets the same case back */

    var map = gridappMap.create(document.getElementById("patrol-map"));
    var centre = form.dataset.centre ? JSON.parse(form.dataset.centre) : null;
    if (centre) map.leaflet.setView(map.toMap(centre[0], centre[1]), 15);

    function placed(next) {
      spot = next;
      var params = new URLSearchParams({ lat: spot.lat, lng: spot.lng, coord_system: spot.coord_system });
      gridapp.api("GET", "/api/v1/map/place?" + params.toString()).then(function (place) {
        status.textContent = "位置：" + place.community.name + (place.grid ? " · " + place.grid.name : "（网格外）");
        status.className = "status ok";
      }).catch(function (error) { status.textContent = error.message; status.className = "status"; });
    }

    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (p) {
        map.leaflet.setView(map.toMap(p.coords.latitude, p.coords.longitude), 17);
        map.pick(p.coords.latitude, p.coords.longitude, placed);
      }, function () {
        status.textContent = "未能获取位置：请拖动图钉或点按地图标出位置" + (gridSelect ? "，或选择网格" : "");
        map.pick(null, null, placed);
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    } else {
      status.textContent = "无法获取位置：请点按地图标出位置";
      map.pick(null, null, placed);
    }

    function category() {
      var checked = form.querySelector("input[name=category_id]:checked");
      return checked ? checked.value : "";
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (picker && !picker.count()) { gridapp.say(message, "请至少拍摄或选择 1 张现场照片"); return; }
      if (!category()) { gridapp.say(message, "请选择问题类别"); form.querySelector("input[name=category_id]").focus(); return; }
      var grid = gridSelect ? gridSelect.value : "";
      if (!spot && !grid && gridSelect) { gridapp.say(message, "请在地图上标出位置，或选择网格"); return; }
      submit.disabled = true;
      gridapp.say(message, "正在上传照片…", true);
      uploadIds(picker).then(function (ids) {
        var body = new FormData();
        body.append("category_id", category());
        body.append("description", document.getElementById("description").value.trim());
        if (grid) {
          body.append("grid_id", grid);
        } else if (spot) {
          body.append("lat", spot.lat);
          body.append("lng", spot.lng);
          body.append("coord_system", spot.coord_system);
        }
        ids.forEach(function (id) { body.append("upload_ids", id); });
        gridapp.say(message, "正在提交…", true);
        return gridapp.api("POST", "/api/v1/cases/patrol", body, { "Idempotency-Key": key });
      }).then(function (saved) {
        window.location.href = "/h5/patrol?sent=" + saved.id;
      }).catch(function (error) {
        submit.disabled = false;
        gridapp.say(message, error.message);
      });
    });
  }

  /* What a QR code holds is the code's page, {site}/c/<token>; a bare token (typed, or an old print) works too. */
  function tokenOf(text) {
    var value = (text || "").trim();
    var path = value.match(/\/c\/([A-Za-z0-9_-]{22,64})(?:[?#/]|$)/);
    if (path) return path[1];
    return /^[A-Za-z0-9_-]{22,64}$/.test(value) ? value : null;
  }

  /* The largest side a frame or photo is decoded at: enough for a door plate, quick on a phone. */
  var DECODE_SIDE = 1024;

  function decodeFrom(source, width, height, canvas, thorough) {
    var scale = Math.min(1, DECODE_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = jsQR(pixels.data, canvas.width, canvas.height, { inversionAttempts: thorough ? "attemptBoth" : "dontInvert" });
    return found ? found.data : null;
  }

  /* 扫码走访: the camera (or a photo, or a typed token) gives a code; its household opens with the visit that
   * scan opened, whose notes and photos are saved to it. */
  function scanPage() {
    var video = document.getElementById("camera-video");
    var camera = document.getElementById("camera");
    var canvas = document.getElementById("scan-canvas");
    var status = document.getElementById("scan-status");
    var start = document.getElementById("camera-start");
    var stop = document.getElementById("camera-stop");
    var photo = document.getElementById("scan-photo");
    var scanner = document.getElementById("scanner");
    var scanned = document.getElementById("scanned");
    var form = document.getElementById("visit-form");
    var message = document.getElementById("visit-message");
    var submit = document.getElementById("visit-submit");
    var picker = pickerIn(document.getElementById("visit-photos"));
    var stream = null;
    var visitId = null;

    function say(text, ok) {
      status.textContent = text;
      status.className = "status" + (ok ? " ok" : "");
    }

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      camera.hidden = true;
      stop.hidden = true;
      start.hidden = false;
    }

    function watch() {
      if (!stream) return;
      if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
        var text = decodeFrom(video, video.videoWidth, video.videoHeight, canvas, false);
        if (text) { stopCamera(); open(text); return; }
      }
      window.requestAnimationFrame(watch);
    }

    start.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say("此浏览器无法打开相机，请拍照识别或手动输入链接");
        return;
      }
      say("正在打开相机…", true);
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
        stream = media;
        video.srcObject = media;
        camera.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        say("将二维码对准取景框", true);
        return video.play().then(watch);
      }).catch(function () {
        stopCamera();
        say("未能打开相机：请允许使用相机，或拍照识别、手动输入链接");
      });
    });
    stop.addEventListener("click", function () { stopCamera(); say(""); });

    photo.addEventListener("change", function () {
      var file = photo.files[0];
      photo.value = "";
      if (!file) return;
      say("正在识别…", true);
      var image = new Image();
      var url = URL.createObjectURL(file);
      image.onload = function () {
        var text = decodeFrom(image, image.naturalWidth, image.naturalHeight, canvas, true);
        URL.revokeObjectURL(url);
        if (text) open(text); else say("没有识别到二维码：请靠近一些重拍，或手动输入链接");
      };
      image.onerror = function () { URL.revokeObjectURL(url); say("无法读取这张图片，请重拍"); };
      image.src = url;
    });

    document.getElementById("manual-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("manual-token");
      if (!tokenOf(input.value)) { say("请输入完整的二维码链接或编号"); input.focus(); return; }
      open(input.value);
    });

    function show(view, token) {
      var household = view.household;
      document.getElementById("scanned-kind").textContent = view.code.kind_label;
      document.getElementById("scanned-title").textContent = household ? household.address : view.place.label;
      document.getElementById("scanned-where").textContent = [view.place.community, view.place.grid].filter(Boolean).join(" · ");
      document.getElementById("scanned-page").href = "/c/" + encodeURIComponent(token);
      var table = document.getElementById("scanned-members");
      var rows = table.querySelector("tbody");
      rows.innerHTML = "";
      (household ? household.members : []).forEach(function (member) {
        var row = rows.insertRow();
        row.insertCell().textContent = member.name;
        row.insertCell().textContent = member.relation || "";
        var phone = row.insertCell();
        if (member.phone && member.phone.indexOf("*") < 0) {
          var call = document.createElement("a");
          call.href = "tel:" + member.phone;
          call.textContent = member.phone;
          phone.appendChild(call);
        } else {
          phone.textContent = member.phone || "";
        }
      });
      table.hidden = !household || !household.members.length;
      var history = document.getElementById("history-link");
      history.hidden = !household;
      if (household) history.href = "/h5/households/" + household.id + "/visits";
      var note = document.getElementById("scanned-note");
      visitId = view.visit ? view.visit.id : null;
      if (visitId) document.getElementById("visit-notes").value = view.visit.notes || "";
      gridapp.say(note, visitId ? "" : household ? "只有本网格的网格员可以记录走访" : "此码不能记录走访：请扫描住户的室内码或居民个人码");
      note.hidden = Boolean(visitId);
      scanner.hidden = true;
      scanned.hidden = false;
      form.hidden = !visitId;
      gridapp.say(message, "");
      document.getElementById("scanned-title").focus();
    }

    function open(text) {
      var token = tokenOf(text);
      if (!token) { say("这不是本系统的二维码"); return; }
      say("正在打开…", true);
      gridapp.api("GET", "/api/v1/scan/" + encodeURIComponent(token)).then(function (view) {
        say("");
        show(view, token);
      }).catch(function (error) { say(error.message); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!visitId) return;
      submit.disabled = true;
      gridapp.say(message, picker && picker.count() ? "正在上传照片…" : "正在保存…", true);
      uploadIds(picker).then(function (ids) {
        var body = new FormData();
        body.append("notes", document.getElementById("visit-notes").value.trim());
        ids.forEach(function (id) { body.append("upload_ids", id); });
        return gridapp.api("POST", "/api/v1/visits/" + visitId, body);
      }).then(function () {
        submit.disabled = false;
        if (picker) picker.clear();
        gridapp.say(message, "走访记录已保存", true);
      }).catch(function (error) {
        submit.disabled = false;
        gridapp.say(message, error.message);
      });
    });

    document.getElementById("scan-next").addEventListener("click", function () {
      scanned.hidden = true;
      form.hidden = true;
      scanner.hidden = false;
      visitId = null;
      if (picker) picker.clear();
      start.focus();
    });
  }

  window.gridappPatrol = { reportPage: reportPage, scanPage: scanPage };
})();
