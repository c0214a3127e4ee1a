/* 信访 pages: look the petitioner up before registering, register (a new matter or a repeat visit), act on a
   petition, open the full identity with a reason, extensions, hearings and referrals. Every read the API answers
   is audited there. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function iso(value) { return value ? new Date(value).toISOString() : undefined; }
  function values(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value.trim() !== "") body[el.name] = el.value.trim();
    });
    return body;
  }

  var lookup = document.getElementById("petitioner-lookup");
  if (lookup) {
    var form = document.getElementById("petition-form"), message = document.getElementById("lookup-message");
    var result = document.getElementById("lookup-result"), list = document.getElementById("lookup-petitions");
    var matter = document.getElementById("matter-fields"), petitionId = document.getElementById("petition-id");
    function openForm(repeatOf, title) {
      petitionId.value = repeatOf || "";
      matter.hidden = !!repeatOf;
      document.getElementById("form-title").textContent = title;
      form.hidden = false;
      form.scrollIntoView();
    }
    lookup.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = values(lookup);
      if (!body.id_number && !body.phone) { say(message, "请填写身份证号码或联系电话"); return; }
      api("POST", "/api/v1/petitioners/lookup", body).then(function (found) {
        form.id_number.value = body.id_number || "";
        form.phone.value = body.phone || "";
        list.innerHTML = "";
        document.getElementById("lookup-title").textContent = found.found ? "已找到信访人：" + found.petitioner.name : "未找到，属初次信访";
        form.name.hidden = found.found;
        form.querySelector("label[for=petitioner-name]").hidden = found.found;
        found.petitions.forEach(function (p) {
          var li = document.createElement("li"), text = document.createElement("span"), button = document.createElement("button");
          text.className = "grow";
          text.textContent = "#" + p.id + " " + p.title + "（" + p.state_label + "，" + p.region + "）";
          button.type = "button";
          button.className = "secondary";
          button.textContent = "登记重复访";
          button.addEventListener("click", function () { openForm(p.id, "重复访登记：#" + p.id + " " + p.title); });
          li.appendChild(text);
          li.appendChild(button);
          list.appendChild(li);
        });
        document.getElementById("lookup-elsewhere").textContent = found.elsewhere ? "另在其他地区有 " + found.elsewhere + " 件信访事项。" : "";
        result.hidden = false;
        say(message, "已查找（已留痕）", true);
        if (!found.found) openForm(null, "初次信访登记");
      }).catch(function (error) { say(message, error.message); });
    });
    document.getElementById("new-matter").addEventListener("click", function () { openForm(null, "新的信访事项"); });
    var key = window.gridapp.newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = values(form), note = document.getElementById("petition-message");
      if (body.petition_id) { body.petition_id = Number(body.petition_id); delete body.region_id; delete body.title; delete body.content; }
      else if (body.region_id) body.region_id = Number(body.region_id);
      if (form.name.hidden) delete body.name;
      body.people_count = Number(body.people_count || 1);
      if (body.appointment_at) body.appointment_at = iso(body.appointment_at);
      api("POST", "/api/v1/petitions", body, { "Idempotency-Key": key }).then(function (visit) {
        window.location.href = "/h5/petitions/" + visit.petition_id + "?registered=1";
      }).catch(function (error) { say(note, error.message); key = window.gridapp.newKey(); });
    });
  }

  var page = document.getElementById("petition");
  if (page) {
    var id = page.dataset.id, base = "/api/v1/petitions/" + id, status = document.getElementById("petition-action-message");
    function then(promise) {
      promise.then(function () { window.location.reload(); }).catch(function (error) { say(status, error.message); status.scrollIntoView(); });
    }
    document.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        then(api("POST", base + "/actions", { action: button.dataset.action, note: document.getElementById("action-note").value.trim() }));
      });
    });
    var reveal = document.getElementById("reveal-form");
    if (reveal) reveal.addEventListener("submit", function (event) {
      event.preventDefault();
      api("POST", base + "/identity", { reason: reveal.reason.value.trim() }).then(function (who) {
        document.getElementById("who-name").textContent = who.name;
        document.getElementById("who-id").textContent = who.id_number || "未登记";
        document.getElementById("who-phone").textContent = who.phone || "未登记";
        reveal.hidden = true;
      }).catch(function (error) { say(status, error.message); });
    });
    var extension = document.getElementById("extension-form");
    if (extension) {
      var approve = document.getElementById("approve-extension");
      if (approve) approve.addEventListener("click", function () { then(api("POST", base + "/extension/approval", {})); });
      extension.addEventListener("submit", function (event) {
        event.preventDefault();
        then(api("POST", base + "/extension", { days: Number(extension.days.value), reason: extension.reason.value.trim() }));
      });
    }
    var hearing = document.getElementById("hearing-form");
    if (hearing) hearing.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = values(hearing);
      body.held_at = iso(body.held_at);
      then(api("POST", base + "/hearings", body));
    });
    var referral = document.getElementById("referral-form");
    if (referral) referral.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = values(referral);
      body.kind = "petition"; body.subject_kind = "petition"; body.subject_id = Number(id);
      if (body.deadline_at) body.deadline_at = iso(body.deadline_at);
      then(api("POST", "/api/v1/referrals", body, { "Idempotency-Key": window.gridapp.newKey() }));
    });
  }

  document.querySelectorAll(".referral-update").forEach(function (update) {
    update.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = values(update), id = update.closest(".referral").dataset.id;
      api("PATCH", "/api/v1/referrals/" + id, body).then(function () { window.location.reload(); })
        .catch(function (error) { say(document.getElementById("referral-message"), error.message); });
    });
  });
})();
