/* 随手拍 pages: the report form (photos through the shared picker, photos.js: shrunk on the phone and uploaded first,
 * one by one; a pin on the map; repeats first; one idempotent call naming the upload ids, kept as an offline draft
 * by drafts.js when the signal is gone) and the case page's one decision. */
(function () {
  "use strict";

  function newKey() { return gridapp.newKey(); }

  function form() {
    var el = document.getElementById("report-form");
    var message = document.getElementById("report-message");
    var submit = document.getElementById("report-submit");
    var picker = gridPhotos.of(document.getElementById("report-photos"));
    var anonymous = document.getElementById("anonymous");
    var status = document.getElementById("location-status");
    var mapElement = document.getElementById("report-map");
    var code = el.dataset.code;
    var spot = null;  /* {lat, lng, coord_system}: the pin, in the map's coordinate system */
    var map = null;
    var community = null;
    /* One key per report: a retry after a lost answer, or the draft sent later, gets the same report back. */
    var key = newKey();

    function category() {
      var checked = el.querySelector("input[name=category_id]:checked");
      return checked ? checked.value : "";
    }

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
    el.addEventListener("categorychange", categoryFields);

    /* A category may stop the form (an emergency: call 110/119/120) or ask extra questions, whose answers go
       as one JSON field `answers` (a hidden input in #category-fields, which the submit sends with the rest). */
    function categoryFields() {
      var radio = el.querySelector("input[name=category_id]:checked");
      var notice = document.getElementById("urgent-notice");
      var box = document.getElementById("questions");
      notice.textContent = radio.dataset.notice || "";
      ["110", "119", "120"].forEach(function (number) {
        if (notice.textContent.indexOf(number) < 0) return;
        var call = document.createElement("a");
        call.href = "tel:" + number;
        call.textContent = " 拨打 " + number;
        notice.appendChild(call);
      });
      notice.hidden = !radio.dataset.notice;
      submit.disabled = Boolean(radio.dataset.notice);
      Array.prototype.slice.call(box.querySelectorAll("label, input[type=hidden]")).forEach(function (node) { box.removeChild(node); });
      var asked = JSON.parse(radio.dataset.questions || "[]");
      var answers = document.createElement("input");
      answers.type = "hidden";
      answers.name = "answers";
      function collect() {
        var given = {};
        Array.prototype.forEach.call(box.querySelectorAll("[data-key]"), function (input) {
          if (input.value.trim()) given[input.dataset.key] = input.value.trim();
        });
        answers.value = JSON.stringify(given);
      }
      asked.forEach(function (q) {
        var label = document.createElement("label");
        label.textContent = q.label + (q.required ? "" : "（选填）");
        var input;
        if (q.type === "choice" || q.type === "yes_no") {
          input = document.createElement("select");
          [""].concat(q.type === "choice" ? q.choices : ["是", "否"]).forEach(function (c) {
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
        input.addEventListener("input", collect);
        input.addEventListener("change", collect);
        label.appendChild(input);
        box.appendChild(label);
      });
      if (asked.length) { collect(); box.appendChild(answers); }
      box.hidden = asked.length === 0;
    }

    /* The form's fields as sent, in order (the draft keeps the same list, so a later send is the same request). */
    function fields() {
      var sent = [["category_id", category()], ["description", document.getElementById("description").value.trim()],
        ["anonymous", anonymous.checked ? "true" : "false"]];
      if (!anonymous.checked) {
        ["contact_name", "contact_phone"].forEach(function (name) {
          var value = document.getElementById(name).value.trim();
          if (value) sent.push([name, value]);
        });
      }
      var params = where();
      Object.keys(params).forEach(function (name) { sent.push([name, String(params[name])]); });
      Array.prototype.forEach.call(el.querySelectorAll("#category-fields [name]"), function (field) {
        if ((field.type !== "checkbox" && field.type !== "radio") || field.checked) sent.push([field.name, field.value]);
      });
      return sent;
    }

    gridDrafts.onChange(function (news) {
      if (news.sent === key && news.done) window.location.href = news.done;  /* a kept draft went: show it */
    });

    /* Photos up first, then one call naming them; without signal the report waits on the phone as a draft under
       the same key, and goes by itself when the signal returns. */
    el.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!picker.count()) { gridapp.say(message, "请至少拍摄或选择 1 张照片"); el.querySelector("#report-photos input").focus(); return; }
      if (!category()) { gridapp.say(message, "请选择问题类别"); el.querySelector("input[name=category_id]").focus(); return; }
      if (!code && !spot) { gridapp.say(message, "请在地图上标出问题位置"); return; }
      submit.disabled = true;
      el.classList.add("sending");
      gridapp.say(message, "正在上传照片…", true);
      var chosen = el.querySelector("input[name=category_id]:checked");
      gridDrafts.submit({
        key: key, title: "随手拍：" + chosen.parentNode.querySelector("span").textContent, url: "/api/v1/reports",
        fields: fields(), photoField: "upload_ids", done: "/h5/reports?sent={id}"
      }, picker).then(function (result) {
        if (result.answer) { window.location.href = "/h5/reports?sent=" + result.answer.id; return; }
        el.classList.add("drafted");
        gridapp.say(message, gridDrafts.SAVED, true);
      }).catch(function (error) {
        submit.disabled = false;
        el.classList.remove("sending");
        gridapp.say(message, error.message);
      });
    });

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
