/* 12345 pages: the operator's desk enters a call (POST /api/v1/cases/hotline, placed by a map pin or the address
 * the caller gave), and the caller's follow-up page sends their one answer (no sign-in: the link is the credential). */
(function () {
  "use strict";

  function newKey() { return gridapp.newKey(); }

  function desk() {
    var form = document.getElementById("call-form");
    var message = document.getElementById("call-message");
    var submit = document.getElementById("call-submit");
    var status = document.getElementById("location-status");
    var spot = null;  /* {lat, lng, coord_system} of the pin, once the operator places one */
    var key = newKey();  /* one call per key: a retry after a lost answer gets the same case back */

    var map = gridappMap.create(document.getElementById("call-map"));
    var centre = form.dataset.centre ? JSON.parse(form.dataset.centre) : null;
    if (centre) map.leaflet.setView(map.toMap(centre[0], centre[1]), 14);
    map.leaflet.once("click", function (event) {
      map.leaflet.setView(event.latlng, map.leaflet.getZoom(), { animate: false });
      map.pick(null, null, function (next) {
        spot = next;
        status.textContent = "已放置图钉，将按图钉位置登记";
        status.className = "status ok";
      });
    });

    function value(id) { return document.getElementById(id).value.trim(); }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!/^1\d{10}$/.test(value("contact_phone"))) { gridapp.say(message, "请填写 11 位来电手机号码"); return; }
      if (!value("category_id")) { gridapp.say(message, "请选择问题类别"); return; }
      if (!value("description")) { gridapp.say(message, "请填写来电反映的问题"); return; }
      if (!spot && !value("address")) { gridapp.say(message, "请填写地址，或在地图上放置图钉"); return; }
      var body = new FormData();
      ["contact_phone", "contact_name", "category_id", "description", "address"].forEach(function (id) {
        if (value(id)) body.append(id, value(id));
      });
      if (spot) {
        body.append("lat", spot.lat);
        body.append("lng", spot.lng);
        body.append("coord_system", spot.coord_system);
      }
      body.append("sms_consent", document.getElementById("sms_consent").checked ? "true" : "false");
      submit.disabled = true;
      gridapp.say(message, "正在登记…", true);
      gridapp.api("POST", "/api/v1/cases/hotline", body, { "Idempotency-Key": key }).then(function (saved) {
        window.location.href = "/h5/hotline?sent=" + saved.id;
      }).catch(function (error) {
        submit.disabled = false;
        gridapp.say(message, error.message);
      });
    });
  }

  function followUp() {
    var form = document.getElementById("answer-form");
    if (!form) return;
    var message = document.getElementById("answer-message");
    var url = "/api/v1/hotline/follow-ups/" + encodeURIComponent(form.dataset.token) + "/answer";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var satisfied = event.submitter ? event.submitter.dataset.satisfied === "true" : true;
      var comment = document.getElementById("comment").value.trim();
      if (!satisfied && !comment) { gridapp.say(message, "请说明哪里还没有解决"); document.getElementById("comment").focus(); return; }
      var body = { satisfied: satisfied, comment: comment };
      if (satisfied) body.stars = Number(form.querySelector("input[name=stars]:checked").value);
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      gridapp.api("POST", url, body).then(function () {
        window.location.reload();
      }).catch(function (error) {
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
        gridapp.say(message, error.message);
      });
    });
  }

  window.gridappHotline = { desk: desk, followUp: followUp };
})();
