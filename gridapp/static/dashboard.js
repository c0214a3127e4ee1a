/* The dashboard's interactive bits: the nudge buttons and the instruction dialog,
   the period picker, and the maps (static/map.js on the vendored Leaflet). */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

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

  var PIN_COLOURS = { green: "#1a7f37", yellow: "#9a6700", red: "#cf222e", paused: "#6e7781", none: "#6e7781" };

  /* Grids shaded by open + overdue load (their fill comes from the server's heat scale,
     gridapp/dashboard/charts.py) and outlined red when something is overdue (a click goes one level
     down), and case pins coloured by SLA (a click opens the case), on static/map.js. */
  function drawMap(box) {
    var data = JSON.parse(document.getElementById(box.dataset.source).textContent);
    fitHeight(box, data);
    var map = window.gridappMap.create(box);
    var query = box.dataset.query ? "?" + box.dataset.query : "";
    var areas = map.addAreas({
      type: "FeatureCollection",
      features: data.grids.map(function (grid) {
        return { type: "Feature", id: grid.id, geometry: grid.geometry, properties: { name: grid.name, level: "grid", grid: grid } };
      })
    }, {
      labels: data.grids.length <= 6,
      style: function (feature) {
        var grid = feature.properties.grid;
        return { color: grid.overdue ? "#b3121f" : "#57606a", weight: grid.overdue ? 3 : 1, fillColor: grid.fill || "#dbe7fb", fillOpacity: 0.8 };
      },
      onClick: function (feature) {
        var grid = feature.properties.grid;
        if (grid.drill) window.location.href = box.dataset.drill.replace(/0$/, grid.drill) + query;
      }
    });
    areas.eachLayer(function (shape) {
      var grid = shape.feature.properties.grid;
      if (grid.open !== undefined) shape.bindTooltip(grid.name + "：在办 " + grid.open + " 件，超时 " + grid.overdue + " 件", { sticky: true });
    });
    data.pins.forEach(function (pin) {
      var marker = map.addMarker(pin.lat, pin.lng, {
        label: pin.label, colour: PIN_COLOURS[pin.colour] || PIN_COLOURS.none,
        onClick: function () { window.location.href = box.dataset.caseUrl.replace(/0$/, pin.id); }
      });
      marker.getElement().classList.add("pin", "pin-" + pin.colour);
    });
    map.fit(18);
    box.dataset.ready = "true";
    return map;
  }

  /* A wide, flat area (a row of grids) gets a lower box rather than bands of empty ground. */
  function fitHeight(box, data) {
    var lngs = [], lats = [];
    function walk(c) {
      if (typeof c[0] === "number") { lngs.push(c[0]); lats.push(c[1]); } else c.forEach(walk);
    }
    data.grids.forEach(function (grid) { walk(grid.geometry.coordinates); });
    data.pins.forEach(function (pin) { lngs.push(pin.lng); lats.push(pin.lat); });
    if (lngs.length < 2) return;
    var wide = (Math.max.apply(null, lngs) - Math.min.apply(null, lngs)) * Math.cos(lats[0] * Math.PI / 180);
    var tall = Math.max.apply(null, lats) - Math.min.apply(null, lats);
    if (wide <= 0) return;
    var wanted = Math.max(220, box.clientWidth * tall / wide + 48);
    if (wanted < box.clientHeight) box.style.height = Math.round(wanted) + "px";
  }

  function maps() {
    if (!window.gridappMap) return;
    document.querySelectorAll(".map[data-source]").forEach(drawMap);
  }

  function regionPage() {
    periodPicker();
    maps();
  }

  window.gridappDashboard = { superviseButtons: superviseButtons, regionPage: regionPage, maps: maps };
})();
