/* The H5 sign-in page: residents sign in with a phone code, staff with a username and password (static/staff_login.js),
   each on its own tab. */
(function () {
  "use strict";
  var tabs = document.querySelectorAll("[role=tab]");

  function select(chosen) {
    tabs.forEach(function (tab) {
      var on = tab === chosen;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    });
  }

  tabs.forEach(function (tab, i) {
    tab.tabIndex = tab.getAttribute("aria-selected") === "true" ? 0 : -1;
    tab.addEventListener("click", function () { select(tab); });
    tab.addEventListener("keydown", function (event) {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
  window.gridapp.loginPage();
  window.gridappStaffLogin(document.getElementById("h5-staff-login"));
})();
