/* 账号关联: confirm, refuse or end a link through the JSON API, then show the row's new status. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var message = document.getElementById("links-message");
  var DONE = { confirm: "已确认关联", refuse: "已不予关联", unlink: "已解除关联" };

  document.querySelectorAll(".link-row .step").forEach(function (button) {
    var row = button.closest(".link-row"), step = button.dataset.step;
    button.addEventListener("click", function () {
      var note = row.querySelector("input.note");
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      api("POST", "/api/v1/links/" + row.dataset.link + "/" + step, { note: note ? note.value.trim() : "" }).then(function (link) {
        row.querySelector(".status").textContent = link.status_label;
        say(message, DONE[step] + "：" + link.label, true);
      }).catch(function (error) {
        say(message, error.message);
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      });
    });
  });
})();
