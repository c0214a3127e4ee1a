/* The dashboard's interactive bits: staff sign-in, the nudge buttons and the instruction dialog,
   the period picker, and the maps (Leaflet, vendored under static/vendor/leaflet). */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function loginPage() {
    var form = document.getElementById("staff-login");
    var message = document.getElementById("login-message");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        city: form.dataset.city,
        username: document.getElementById("username").value.trim(),
        password: document.getElementById("password").value,
        cookie: true
      };
      api("POST", "/api/v1/auth/login", body).then(function () {
        window.location.href = form.dataset.next || "/dashboard/";
      }).catch(function (error) { say(message, error.message); });
    });
  }

  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  /* One dialog per page; each 批示 button opens it for its own case. */
  function instructionDialog() {
    var dialog = document.getElementById("instruct-dialog");
    if (!dialog) return null;
    var form = document.getElementById("instruct-form"), text = document.getElementById("instruct-text");
    var message = document.getElementById("instruct-message"), send = document.getElementById("instruct-send");
    var current = null;
    dialog.querySelectorAll(".phrase").forEach(function (button) {
      button.addEventListener("click", function () {
        text.value = text.value ? text.value.replace(/\s*$/, "") + button.dataset.phrase : button.dataset.phrase;
        text.focus();
      });
    });
    document.getElementById("instruct-cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { if (current) current.opener.focus(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!text.value.trim()) { say(message, "请填写批示内容"); text.focus(); return; }
      send.disabled = true;
      api("POST", "/api/v1/cases/" + current.id + "/instructions", { text: text.value.trim() }, { "Idempotency-Key": current.key })
        .then(function () {
          say(current.message, "批示已送达", true);
          dialog.close();
        })
        .catch(function (error) { say(message, error.message); })
        .then(function () { send.disabled = false; });
    });
    return function open(box, opener) {
      current = { id: box.dataset.caseId, message: box.querySelector(".message"), opener: opener, key: key() };
      document.getElementById("instruct-case").textContent = box.dataset.caseLabel;
      text.value = "";
      say(message, "");
      dialog.showModal();
      text.focus();
    };
  }

  function superviseButtons() {
    var openDialog = instructionDialog();
    document.querySelectorAll(".actions").forEach(function (box) {
      var id = box.dataset.caseId, message = box.querySelector(".message");
      var nudge = box.querySelector(".nudge"), instruct = box.querySelector(".instruct");
      if (nudge) nudge.addEventListener("click", function () {
        nudge.disabled = true;
        api("POST", "/api/v1/cases/" + id + "/nudge", { note: "" }, { "Idempotency-Key": key() }).then(function () {
          say(message, "已拍一拍", true);
        }).catch(function (error) { say(message, error.message); nudge.disabled = false; });
      });
      if (instruct && openDialog) instruct.addEventListener("click", function () { openDialog(box, instruct); });
    });
  }

  /* The dates count only for 自定义: picking one picks 自定义. */
  function periodPicker() {
    var select = document.getElementById("period-select");
    if (!select) return;
    ["period-from", "period-to"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function () { select.value = "custom"; });
    });
  }

  /* WGS-84 → GCJ-02 (the published formula), for tile layers drawn in GCJ-02 (AMap, Tencent). */
  function gcj02(lng, lat) {
    if (lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271) return [lng, lat];
    var a = 6378245.0, ee = 0.00669342162296594323, x = lng - 105.0, y = lat - 35.0, PI = Math.PI;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLng += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = 1 - ee * Math.sin(radLat) * Math.sin(radLat), sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * PI);
    dLng = (dLng * 180.0) / (a / sqrtMagic * Math.cos(radLat) * PI);
    return [lng + dLng, lat + dLat];
  }

  var PIN_COLOURS = { green: "#1a7f37", yellow: "#9a6700", red: "#cf222e", paused: "#6e7781", none: "#6e7781" };
  var HEAT = ["#f6f8fa", "#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f", "#b30000"];
  var HEAT_FLOOR = 10;  /* as gridapp/dashboard/charts.py: one case is a pale grid, not a red one */

  /* A map of grids (shaded by open + overdue load, outlined red when something is overdue; a click
     goes one level down) and case pins (coloured by SLA; a click opens the case). Without a tile
     layer the grid boundaries on a plain ground are the base map. */
  function drawMap(box) {
    var data = JSON.parse(document.getElementById(box.dataset.source).textContent);
    var tiles = box.dataset.tiles ? JSON.parse(box.dataset.tiles) : null;
    var shift = tiles && tiles.coords === "gcj02" ? gcj02 : function (lng, lat) { return [lng, lat]; };
    var map = L.map(box, { zoomSnap: 0.25, attributionControl: Boolean(tiles && tiles.attribution) });
    if (tiles) {
      L.tileLayer(tiles.url, { subdomains: tiles.subdomains, attribution: tiles.attribution, key: tiles.key, maxZoom: 19 }).addTo(map);
    } else {
      box.classList.add("no-tiles");
    }
    var top = Math.max.apply(null, [HEAT_FLOOR].concat(data.grids.map(function (g) { return (g.open || 0) + (g.overdue || 0); })));
    var bounds = L.latLngBounds([]), layers = [];
    var query = box.dataset.query ? "?" + box.dataset.query : "";
    data.grids.forEach(function (grid) {
      var load = (grid.open || 0) + (grid.overdue || 0);
      var step = load <= 0 ? 0 : 1 + Math.min(4, Math.floor(4 * load / top));
      var layer = L.geoJSON(grid.geometry, {
        coordsToLatLng: function (c) { var p = shift(c[0], c[1]); return L.latLng(p[1], p[0]); },
        style: {
          color: grid.overdue ? "#b3121f" : "#57606a", weight: grid.overdue ? 3 : 1,
          fillColor: grid.open === undefined ? "#dbe9f6" : HEAT[step], fillOpacity: 0.8
        }
      });
      var tip = grid.name + (grid.open === undefined ? "" : "：在办 " + grid.open + " 件，超时 " + grid.overdue + " 件");
      layer.bindTooltip(tip, { sticky: true });
      if (grid.drill) {
        layer.on("click", function () { window.location.href = box.dataset.drill.replace(/0$/, grid.drill) + query; });
      }
      layers.push(layer);
      bounds.extend(layer.getBounds());
    });
    data.pins.forEach(function (pin) {
      var p = shift(pin.lng, pin.lat);
      var marker = L.circleMarker([p[1], p[0]], {
        radius: 9, color: "#fff", weight: 2, fillColor: PIN_COLOURS[pin.colour] || PIN_COLOURS.none, fillOpacity: 1,
        className: "pin pin-" + pin.colour
      }).bindTooltip(pin.label);
      marker.on("click", function () { window.location.href = box.dataset.caseUrl.replace(/0$/, pin.id); });
      layers.push(marker);
      bounds.extend(marker.getLatLng());
    });
    /* The view first: Leaflet projects a layer as it is added, which needs a centre and zoom. */
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
    else map.setView([39.9, 116.4], 10);
    layers.forEach(function (layer) { layer.addTo(map); });
    box.dataset.ready = "true";
    return map;
  }

  function maps() {
    if (!window.L) return;
    document.querySelectorAll(".map[data-source]").forEach(drawMap);
  }

  function regionPage() {
    periodPicker();
    maps();
  }

  window.gridappDashboard = { loginPage: loginPage, superviseButtons: superviseButtons, regionPage: regionPage, maps: maps };
})();
