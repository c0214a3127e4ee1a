/* 码上纳谏 pages: sending a suggestion, and the cadres' answer and decision (the API records each step). */
(function () {
  "use strict";

  function newKey() { return gridapp.newKey(); }

  var form = document.getElementById("suggestion-form");
  if (form) {
    var message = document.getElementById("suggestion-message");
    var key = newKey();  /* one per suggestion: a retry after a lost answer never sends it twice */
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = form.body.value.trim();
      if (body.length < 5) { gridapp.say(message, "请至少写 5 个字"); form.body.focus(); return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      gridapp.api("POST", "/api/v1/suggestions", { community_id: Number(form.community_id.value), body: body }, { "Idempotency-Key": key })
        .then(function (row) { window.location.href = "/h5/suggestions/" + row.id; })
        .catch(function (error) { gridapp.say(message, error.message); button.disabled = false; });
    });
  }

  var root = document.getElementById("suggestion");
  if (!root) return;
  var say = document.getElementById("suggestion-action-message");
  var base = "/api/v1/suggestions/" + root.dataset.id;
  function done() { window.location.reload(); }
  function fail(error) { gridapp.say(say, error.message); }

  var answer = document.getElementById("answer-form");
  if (answer) answer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = answer.answer.value.trim();
    if (text.length < 2) { gridapp.say(say, "请填写答复内容"); answer.answer.focus(); return; }
    gridapp.api("POST", base + "/answer", { answer: text, public: answer.public.checked }).then(done).catch(fail);
  });

  ["adopt", "decline"].forEach(function (name) {
    var button = document.getElementById(name);
    if (button) button.addEventListener("click", function () {
      var note = document.getElementById("decision-note").value.trim();
      gridapp.api("POST", base + "/decision", { adopted: name === "adopt", note: note }).then(done).catch(fail);
    });
  });
})();
