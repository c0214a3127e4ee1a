/* 随手拍 pages: the report form (photo tiles shrunk in the browser, a pin on the map, repeats first, an idempotent
 * upload with per-photo progress) and the case page's one decision. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var MAX_PHOTOS = 9;
  var SHRINK = { maxSizeMB: 1, maxWidthOrHeight: 1920, useWebWorker: false, preserveExif: false, initialQuality: 0.85 };

  /* One photo tile: a preview, a remove button, and a bar for shrinking and then for sending. */
  function Shot(file, grid, before, onRemove) {
    var self = this;
    this.file = file;
    this.ready = null;
    this.tile = document.createElement("figure");
    this.tile.className = "photo-tile";
    var img = document.createElement("img");
    img.alt = "待上传的照片";
    img.src = URL.createObjectURL(file);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "×";
    remove.addEventListener("click", function () { onRemove(self); });
    var track = document.createElement("div");
    track.className = "bar-track";
    this.fill = document.createElement("div");
    this.fill.className = "bar-fill";
    track.appendChild(this.fill);
    this.label = document.createElement("span");
    this.label.className = "progress-label";
    this.tile.appendChild(img);
    this.tile.appendChild(remove);
    this.tile.appendChild(track);
    this.tile.appendChild(this.label);
    this.removeButton = remove;
    grid.insertBefore(this.tile, before);
    this.shrink();
  }

  Shot.prototype.show = function (percent, text) {
    this.fill.style.width = Math.round(percent) + "%";
    this.label.textContent = text;
    this.tile.classList.toggle("done", percent >= 100 && text === "");
  };

  /* Shrunk in the browser (vendored browser-image-compression), so a 10 MB phone photo sends as about 1 MB. */
  Shot.prototype.shrink = function () {
    var self = this;
    self.show(0, "压缩中");
    var shrinking = window.imageCompression
      ? imageCompression(this.file, Object.assign({ onProgress: function (p) { self.show(p, "压缩中 " + p + "%"); } }, SHRINK))
      : Promise.resolve(this.file);
    this.ready = shrinking.then(function (blob) {
      self.blob = blob.size < self.file.size ? blob : self.file;
      self.show(100, "");
      return self.blob;
    }, function () {
      self.blob = self.file;  /* not an image the browser can draw: the server judges it */
      self.show(100, "");
      return self.blob;
    });
  };

  /* Send with XMLHttpRequest: fetch cannot tell how much of the body has gone, and each tile shows its share. */
  function upload(body, shots, key) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/reports");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Idempotency-Key", key);
      var csrf = gridapp.cookie("csrf_access_token");
      if (csrf) xhr.setRequestHeader("X-CSRF-TOKEN", csrf);
      var sizes = shots.map(function (s) { return s.blob.size; });
      var total = sizes.reduce(function (a, b) { return a + b; }, 0) || 1;
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var sent = event.loaded / event.total * total;
        shots.forEach(function (shot, i) {
          var start = sizes.slice(0, i).reduce(function (a, b) { return a + b; }, 0);
          var share = Math.max(0, Math.min(1, (sent - start) / (sizes[i] || 1)));
          shot.show(share * 100, share >= 1 ? "已上传" : "上传中 " + Math.round(share * 100) + "%");
        });
      });
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
        var error = new Error(data && data.message ? data.message : "提交失败（" + xhr.status + "）");
        error.data = data;
        reject(error);
      };
      xhr.onerror = function () { reject(new Error("网络不好，请稍后重试（不会重复提交）")); };
      xhr.send(body);
    });
  }

  function form() {
    var el = document.getElementById("report-form");
    var message = document.getElementById("report-message");
    var submit = document.getElementById("report-submit");
    var photos = document.getElementById("photos");
    var grid = document.getElementById("photo-grid");
    var add = document.getElementById("photo-add");
    var count = document.getElementById("photo-count");
    var anonymous = document.getElementById("anonymous");
    var status = document.getElementById("location-status");
    var mapElement = document.getElementById("report-map");
    var code = el.dataset.code;
    var spot = null;  /* {lat, lng, coord_system}: the pin, in the map's coordinate system */
    var map = null;
    var community = null;
    var shots = [];
    /* One key per report: a retry after a lost answer sends the same key and gets the same report back. */
    var key = newKey();

    function category() {
      var checked = el.querySelector("input[name=category_id]:checked");
      return checked ? checked.value : "";
    }

    function renumber() {
      shots.forEach(function (shot, i) { shot.removeButton.setAttribute("aria-label", "删除第 " + (i + 1) + " 张照片"); });
      add.hidden = shots.length >= MAX_PHOTOS;
      count.textContent = shots.length ? "已选 " + shots.length + " 张，最多 " + MAX_PHOTOS + " 张" : "还没有照片";
    }

    photos.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photos.files);
      var room = MAX_PHOTOS - shots.length;
      files.slice(0, room).forEach(function (file) {
        shots.push(new Shot(file, grid, add, function (shot) {
          shots.splice(shots.indexOf(shot), 1);
          shot.tile.remove();
          renumber();
          photos.focus();
        }));
      });
      photos.value = "";
      renumber();
      if (files.length > room) count.textContent += "。最多上传 " + MAX_PHOTOS + " 张照片，多出的没有加入";
    });

    function where() {
      var params = {};
      if (code) params.code = code;
      if (spot) { params.lat = spot.lat; params.lng = spot.lng; params.coord_system = spot.coord_system; }
      return params;
    }

    function similar() {
      var box = document.getElementById("similar");
      var list = document.getElementById("similar-list");
      if (!category() || (!code && !spot)) { box.hidden = true; return; }
      var params = new URLSearchParams(where());
      params.set("category_id", category());
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
          follow.setAttribute("aria-label", "关注此反映：" + text.textContent);
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

    /* Where the pin is: the grid it falls in, and that community's outlines as the map (once per community). */
    function placed(next) {
      spot = next;
      var params = new URLSearchParams({ lat: spot.lat, lng: spot.lng, coord_system: spot.coord_system });
      gridapp.api("GET", "/api/v1/map/place?" + params.toString()).then(function (place) {
        status.textContent = "位置：" + place.community.name + (place.grid ? " · " + place.grid.name : "（网格外）");
        status.className = "status ok";
        if (!community || community !== place.community.id) {
          community = place.community.id;
          gridapp.api("GET", "/api/v1/map/communities/" + community + "/boundaries").then(function (areas) {
            map.clear();
            map.addAreas(areas);
            map.fit();
          });
        }
      }).catch(function (error) {
        status.textContent = error.message;
        status.className = "status";
      });
      similar();
    }

    function locate() {
      var centre = el.dataset.centre ? JSON.parse(el.dataset.centre) : null;
      map = gridappMap.create(mapElement);
      if (centre) map.leaflet.setView(map.toMap(centre[0], centre[1]), 15);
      if (!navigator.geolocation) { status.textContent = "无法获取位置，请拖动图钉标出位置"; map.pick(null, null, placed); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        map.leaflet.setView(map.toMap(p.coords.latitude, p.coords.longitude), 17);
        map.pick(p.coords.latitude, p.coords.longitude, placed);
      }, function () {
        status.textContent = "未能获取位置：请拖动图钉标出问题位置";
        map.pick(null, null, placed);
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }

    Array.prototype.forEach.call(el.querySelectorAll("input[name=category_id]"), function (radio) {
      radio.addEventListener("change", function () {
        similar();
        el.dispatchEvent(new CustomEvent("categorychange", { detail: { id: radio.value, urgent: radio.dataset.urgent === "true" } }));
      });
    });
    anonymous.addEventListener("change", function () {
      document.getElementById("contact-fields").hidden = anonymous.checked;
    });

    el.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!shots.length) { gridapp.say(message, "请至少拍摄或选择 1 张照片"); photos.focus(); return; }
      if (!category()) { gridapp.say(message, "请选择问题类别"); el.querySelector("input[name=category_id]").focus(); return; }
      if (!code && !spot) { gridapp.say(message, "请在地图上标出问题位置"); return; }
      submit.disabled = true;
      el.classList.add("sending");
      gridapp.say(message, "正在准备照片…", true);
      Promise.all(shots.map(function (shot) { return shot.ready; })).then(function () {
        var body = new FormData();
        body.append("category_id", category());
        body.append("description", document.getElementById("description").value.trim());
        body.append("anonymous", anonymous.checked ? "true" : "false");
        if (!anonymous.checked) {
          ["contact_name", "contact_phone"].forEach(function (name) {
            var value = document.getElementById(name).value.trim();
            if (value) body.append(name, value);
          });
        }
        var params = where();
        Object.keys(params).forEach(function (name) { body.append(name, params[name]); });
        Array.prototype.forEach.call(el.querySelectorAll("#category-fields [name]"), function (field) {
          if ((field.type !== "checkbox" && field.type !== "radio") || field.checked) body.append(field.name, field.value);
        });
        shots.forEach(function (shot, i) { body.append("photos", shot.blob, shot.file.name || "photo-" + (i + 1) + ".jpg"); });
        gridapp.say(message, "正在上传…", true);
        return upload(body, shots, key);
      }).then(function (report) {
        window.location.href = "/h5/reports?sent=" + report.id;
      }).catch(function (error) {
        submit.disabled = false;
        el.classList.remove("sending");
        gridapp.say(message, error.message);
      });
    });

    renumber();
    if (mapElement) locate();
    similar();
  }

  /* Once the work is done: one decision, 满意 (stars, then confirm or rate) or 不满意 (a reason, back to the handler). */
  function casePage() {
    var id = document.getElementById("case").dataset.caseId;
    var box = document.getElementById("resident-actions");
    if (!box) return;
    var message = document.getElementById("action-message");
    var stars = 0;
    var choices = { satisfied: document.getElementById("choose-satisfied"), unsatisfied: document.getElementById("choose-unsatisfied") };

    function choose(name) {
      Object.keys(choices).forEach(function (other) {
        if (!choices[other]) return;
        choices[other].setAttribute("aria-pressed", other === name ? "true" : "false");
        document.getElementById(other).hidden = other !== name;
      });
      gridapp.say(message, "");
    }
    Object.keys(choices).forEach(function (name) {
      if (choices[name]) choices[name].addEventListener("click", function () { choose(name); });
    });

    Array.prototype.forEach.call(box.querySelectorAll(".star"), function (button) {
      button.addEventListener("click", function () {
        stars = Number(button.dataset.stars);
        Array.prototype.forEach.call(box.querySelectorAll(".star"), function (b) {
          var on = Number(b.dataset.stars) <= stars;
          b.classList.toggle("on", on);
          b.setAttribute("aria-checked", Number(b.dataset.stars) === stars ? "true" : "false");
        });
      });
    });

    function send(action, body) {
      gridapp.api("POST", "/api/v1/cases/" + id + "/" + action, body).then(function () {
        window.location.reload();
      }).catch(function (error) { gridapp.say(message, error.message); });
    }

    document.getElementById("send-satisfied").addEventListener("click", function () {
      if (!stars) { gridapp.say(message, "请先选择星级"); return; }
      var body = { stars: stars, comment: document.getElementById("comment").value.trim() };
      send(box.dataset.confirm === "true" ? "confirm" : "rate", body);
    });
    var reopen = document.getElementById("reopen");
    if (reopen) reopen.addEventListener("click", function () {
      var note = document.getElementById("reopen-note").value.trim();
      if (!note) { gridapp.say(message, "请说明不满意的原因"); return; }
      send("reopen", { note: note });
    });
  }

  var STATE_COLOURS = { closed: "#176b30", verified: "#176b30", resolved: "#176b30", submitted: "#b42318", rejected: "#575e69" };

  /* A community's recent reports on its own map: what, how far it got and where; never who. */
  function communityMap() {
    var box = document.getElementById("community-map");
    var status = document.getElementById("map-status");
    var list = document.getElementById("report-pins");
    var map = gridappMap.create(document.getElementById("reports-map"));
    var centre = box.dataset.centre ? JSON.parse(box.dataset.centre) : null;
    if (centre) map.leaflet.setView(map.toMap(centre[0], centre[1]), 15);

    function show(community) {
      gridapp.api("GET", "/api/v1/map/communities/" + community + "/boundaries").then(function (areas) {
        map.addAreas(areas);
        return gridapp.api("GET", "/api/v1/map/communities/" + community + "/reports?per_page=100");
      }).then(function (page) {
        list.innerHTML = "";
        page.items.forEach(function (pin) {
          var text = pin.category.name + " · " + pin.state_label + " · " + (pin.place_label || "");
          if (pin.lat !== null) map.addMarker(pin.lat, pin.lng, { label: text, colour: STATE_COLOURS[pin.state] || "#b54708" });
          var li = document.createElement("li");
          li.textContent = text;
          list.appendChild(li);
        });
        status.textContent = page.meta.total ? "共 " + page.meta.total + " 条" : "近期没有居民反映";
        map.fit(16);
      }).catch(function (error) { status.textContent = error.message; });
    }

    if (box.dataset.community) { show(box.dataset.community); return; }
    if (!navigator.geolocation) { status.textContent = "无法获取位置"; return; }
    status.textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(function (p) {
      var params = new URLSearchParams({ lat: p.coords.latitude, lng: p.coords.longitude });
      gridapp.api("GET", "/api/v1/map/place?" + params.toString()).then(function (place) {
        document.getElementById("map-title").textContent = place.community.name + "近期反映";
        show(place.community.id);
      }).catch(function (error) { status.textContent = error.message; });
    }, function () { status.textContent = "未能获取位置，请允许定位后重试"; });
  }

  window.gridappReports = { form: form, casePage: casePage, communityMap: communityMap };
})();
