/* The console's 直联 contacts: add one, or turn one off and on, through /api/v1/direct-line/contacts. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;
  var form = document.getElementById("contact-form");
  if (!form) return;
  var key = newKey();

  function newKey() { return gridapp.newKey(); }
  function field(id) { return document.getElementById(id); }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = field("contact-message");
    var body = {
      grid_id: parseInt(form.dataset.grid, 10), kind: field("c-kind").value,
      display_name: field("c-name").value.trim(), user_id: parseInt(field("c-user").value, 10)
    };
    api("POST", "/api/v1/direct-line/contacts", body, { "Idempotency-Key": key }).then(function () {
      window.location.reload();
    }).catch(function (error) {
      if (error.status) key = newKey();
      say(message, error.message);
    });
  });

  document.querySelectorAll("#contact-list .row").forEach(function (row) {
    var button = row.querySelector(".toggle"), message = row.querySelector(".message");
    button.addEventListener("click", function () {
      var active = button.dataset.active === "true";
      api("PATCH", "/api/v1/direct-line/contacts/" + row.dataset.contactId, { is_active: !active }).then(function () {
        window.location.reload();
      }).catch(function (error) { say(message, error.message); });
    });
  });
})();
