/* 差评回访: a cadre closes a follow-up with what the call-back found. */
(function () {
  "use strict";
  var message = document.getElementById("follow-up-message");
  document.querySelectorAll("form.follow-up").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var outcome = form.outcome.value.trim();
      if (outcome.length < 2) { gridapp.say(message, "请填写回访情况"); form.outcome.focus(); return; }
      gridapp.api("POST", "/api/v1/rating-follow-ups/" + form.dataset.id + "/close", { outcome: outcome }).then(function () {
        form.remove();
        gridapp.say(message, "已办结", true);
      }).catch(function (error) { gridapp.say(message, error.message); });
    });
  });
})();
