/* 矛盾纠纷调解 pages: asking for mediation (with the roster of the chosen community), every step on a dispute's page
   through the JSON API, signatures drawn with the vendored signature_pad, and a mediator's own availability. */
(function () {
  "use strict";
  var message = document.getElementById("dispute-message");
  var dispute = document.getElementById("dispute");
  var base = dispute ? "/api/v1/disputes/" + dispute.dataset.id + "/" : null;

  function fail(error) { gridapp.say(message, error.message); message.scrollIntoView({ block: "center" }); }

  function send(path, body, button) {
    if (button) button.disabled = true;
    return gridapp.api("POST", base + path, body).then(function () { window.location.reload(); })
      .catch(function (error) { if (button) button.disabled = false; fail(error); });
  }

  /* A form's named fields as JSON: data-type="number" as numbers, checkboxes as booleans, empty optional ones left out. */
  function fields(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "radio" && !el.checked) return;
      if (el.type === "checkbox") { body[el.name] = el.checked; return; }
      var value = el.value.trim();
      if (value === "" && el.dataset.optional) return;
      body[el.name] = el.dataset.type === "number" ? Number(value) : value;
    });
    return body;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.dispute-action"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var empty = Array.prototype.filter.call(form.querySelectorAll("[required]"), function (el) { return !el.value.trim(); })[0];
      if (empty) { gridapp.say(message, "请填写" + (form.querySelector("label[for='" + empty.id + "']") || {}).textContent); empty.focus(); return; }
      send(form.dataset.path, fields(form), form.querySelector("button[type=submit]"));
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.dispute-step"), function (button) {
    button.addEventListener("click", function () { send(button.dataset.path, {}, button); });
  });

  /* Signatures: the pad fills its box at the phone's pixel density; an empty pad is not sent. */
  Array.prototype.forEach.call(document.querySelectorAll("section.signature"), function (section) {
    var canvas = section.querySelector("canvas");
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    var pad = new SignaturePad(canvas, { penColor: "#111", minWidth: 1, maxWidth: 3 });
    section.querySelector(".clear-signature").addEventListener("click", function () { pad.clear(); });
    section.querySelector(".send-signature").addEventListener("click", function (event) {
      if (pad.isEmpty()) { gridapp.say(message, "请先在框内签名"); return; }
      send("parties/" + section.dataset.partyId + "/signature", { image: pad.toDataURL("image/png") }, event.currentTarget);
    });
  });

  /* 点单: the mediators serving the chosen community at the village tier, to choose from. */
  var form = document.getElementById("dispute-form");
  if (form) {
    var key = gridapp.newKey();
    var options = document.getElementById("mediator-options");
    var hint = document.getElementById("mediator-hint");
    form.region_id.addEventListener("change", function () {
      options.textContent = "";
      if (!form.region_id.value) { hint.textContent = "请先选择社区"; return; }
      hint.textContent = "正在加载调解员…";
      gridapp.api("GET", "/api/v1/mediators?tier=village&available=true&per_page=50&region_id=" + form.region_id.value).then(function (page) {
        hint.textContent = page.items.length ? "" : "该社区暂无可选调解员，将由调解中心指派";
        [{ id: "", name: "不指定，由调解中心指派" }].concat(page.items).forEach(function (m, i) {
          var label = document.createElement("label");
          label.className = "check";
          var input = document.createElement("input");
          input.type = "radio"; input.name = "mediator_id"; input.value = m.id; input.checked = i === 0;
          label.appendChild(input);
          var stars = m.mean_stars ? " · 评分 " + m.mean_stars : "";
          label.appendChild(document.createTextNode(" " + m.name + (m.id ? "（" + m.region_name + " · 成功调解 " + m.settled + " 件" + stars + "）" : "")));
          options.appendChild(label);
        });
      }).catch(fail);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var required = [form.region_id, form.description, form.name, form.respondent_name];
      for (var i = 0; i < required.length; i++) {
        if (!required[i].value.trim()) { gridapp.say(message, "请填写" + form.querySelector("label[for='" + required[i].id + "']").textContent); required[i].focus(); return; }
      }
      if (!form.consent.checked) { gridapp.say(message, "请先勾选同意人民调解"); return; }
      var picked = form.querySelector("input[name=mediator_id]:checked");
      var body = {
        region_id: Number(form.region_id.value), kind: form.kind.value, description: form.description.value.trim(),
        name: form.name.value.trim(), consent: true,
        respondent: { name: form.respondent_name.value.trim(), phone: form.respondent_phone.value.trim() || null },
        mediator_id: picked && picked.value ? Number(picked.value) : null
      };
      var button = document.getElementById("dispute-submit");
      button.disabled = true;
      gridapp.api("POST", "/api/v1/disputes", body, { "Idempotency-Key": key }).then(function (row) {
        window.location.href = "/h5/disputes/" + row.id;
      }).catch(function (error) { button.disabled = false; fail(error); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.toggle-available"), function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      gridapp.api("PATCH", "/api/v1/mediators/" + button.dataset.id, { available: button.dataset.available === "true" })
        .then(function () { window.location.reload(); })
        .catch(function (error) { button.disabled = false; fail(error); });
    });
  });
})();
