/* 码上协商 pages: answering, and opening a consultation. */
(function () {
  "use strict";
  var message = document.getElementById("consultation-message");

  var answer = document.getElementById("answer-form");
  if (answer) answer.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {};
    if (answer.dataset.kind === "choice") {
      var picked = answer.querySelector("input[name=option]:checked");
      if (!picked) { gridapp.say(message, "请选择一个选项"); return; }
      body.option = Number(picked.value);
    } else {
      body.text = answer.text.value.trim();
      if (!body.text) { gridapp.say(message, "请填写您的意见"); answer.text.focus(); return; }
    }
    var id = document.getElementById("consultation").dataset.id;
    gridapp.api("POST", "/api/v1/consultations/" + id + "/answers", body).then(function () { window.location.reload(); })
      .catch(function (error) { gridapp.say(message, error.message); });
  });

  var form = document.getElementById("consultation-form");
  if (form) {
    var key = gridapp.newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var kind = form.querySelector("input[name=answer_kind]:checked").value;
      if (!form.deadline.value) { gridapp.say(message, "请选择截止时间"); form.deadline.focus(); return; }
      var body = {
        region_id: Number(form.region_id.value), title: form.title.value.trim(), question: form.question.value.trim(),
        answer_kind: kind, per: form.querySelector("input[name=per]:checked").value,
        deadline: new Date(form.deadline.value).toISOString(),
        options: kind === "choice" ? form.options.value.split("\n").map(function (o) { return o.trim(); }).filter(Boolean) : []
      };
      if (form.building.value.trim()) body.building = form.building.value.trim();
      gridapp.api("POST", "/api/v1/consultations", body, { "Idempotency-Key": key }).then(function (row) {
        window.location.href = "/h5/consultations/" + row.id;
      }).catch(function (error) { gridapp.say(message, error.message); });
    });
  }
})();
