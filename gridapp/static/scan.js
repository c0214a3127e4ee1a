/* Actions on a scanned code's page: rate, ask to move / contact, update my phone, record a visit. */
(function () {
  "use strict";
  var root = document.getElementById("scan");
  if (!root) return;
  var base = "/api/v1/scan/" + encodeURIComponent(root.dataset.token);
  var message = document.getElementById("action-message");

  function done(text) { gridapp.say(message, text, true); }
  function fail(error) { gridapp.say(message, error.message); }

  document.querySelectorAll(".star").forEach(function (button) {
    button.addEventListener("click", function () {
      gridapp.api("POST", base + "/rating", { stars: Number(button.dataset.stars) }).then(function (r) {
        done("感谢评价！当前评分 " + r.average + " 分（" + r.count + " 人评价）");
      }).catch(fail);
    });
  });

  var checkIn = document.getElementById("action-check_in");
  if (checkIn) checkIn.addEventListener("click", function () {
    checkIn.disabled = true;
    gridapp.api("POST", base + "/check-in", {}, { "Idempotency-Key": root.dataset.token + "-" + Date.now() }).then(function (row) {
      var at = new Date(row.checked_in_at).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
      checkIn.textContent = "已登记";
      done("已登记：" + row.venue_name + "（" + at + "）");
    }).catch(function (error) { fail(error); checkIn.disabled = false; });
  });

  ["contact", "move"].forEach(function (name) {
    var button = document.getElementById("action-" + name);
    if (!button) return;
    button.addEventListener("click", function () {
      button.disabled = true;
      gridapp.api("POST", base + "/contact", {}).then(function () {
        done(name === "move" ? "已通知车主挪车，请稍候" : "已通知对方，对方将尽快与您联系");
      }).catch(function (error) { fail(error); button.disabled = false; });
    });
  });

  var redeem = document.getElementById("redeem-form");
  if (redeem) redeem.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { shop_code: root.dataset.token, points: Number(redeem.points.value) };
    gridapp.api("POST", "/api/v1/points/redemptions", body).then(function () {
      done("已提交兑换申请，请店家在手机上确认");
      redeem.reset();
    }).catch(fail);
  });

  var me = document.getElementById("update-me");
  if (me) me.addEventListener("submit", function (event) {
    event.preventDefault();
    gridapp.api("PATCH", base + "/me", { phone: me.phone.value.trim() }).then(function () {
      done("已更新"); window.location.reload();
    }).catch(fail);
  });

  var visit = document.getElementById("visit-form");
  if (visit) visit.addEventListener("submit", function (event) {
    event.preventDefault();
    var form = new FormData();
    form.append("notes", visit.notes.value);
    Array.prototype.forEach.call(visit.photos.files, function (file) { form.append("photos", file); });
    gridapp.api("POST", "/api/v1/visits/" + visit.dataset.visit, form).then(function () {
      done("走访记录已保存");
    }).catch(fail);
  });
})();
