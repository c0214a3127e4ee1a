/* The console's staff pages: each form sends one JSON call (with the CSRF header) and shows the answer. */
(function () {
  "use strict";
  var api = window.gridapp.api, say = window.gridapp.say;

  function key() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function value(form, name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }

  /* The role picker shows the scope picker of the chosen role only. */
  function grantFields(form) {
    var role = form.querySelector(".grant-role");
    if (!role) return null;
    function show() {
      form.querySelectorAll(".grant-scope").forEach(function (label) {
        label.hidden = label.dataset.role !== role.value;
      });
    }
    role.addEventListener("change", show);
    show();
    return function () {
      var picked = Array.prototype.filter.call(form.querySelectorAll("[name='scope-" + role.value + "']"), function (field) {
        return field.tagName === "SELECT" || field.checked;
      }).map(function (field) { return Number(field.value); });
      var grant = { role: role.value, title: value(form, "title") || null };
      if (role.value === "department_staff" || role.value === "department_admin") grant.department_id = picked[0];
      else grant.region_ids = picked;
      return grant;
    };
  }

  function fieldErrors(error) {
    var details = error.data && error.data.details;
    if (!details || typeof details !== "object") return error.message;
    var json = details.json || details;
    var parts = Object.keys(json).filter(function (k) { return k !== "errors"; }).map(function (k) {
      return k + "：" + [].concat(json[k]).join("；");
    });
    return error.message + (parts.length && error.status === 422 ? "（" + parts.join("，") + "）" : "");
  }

  function createPage(form) {
    var grant = grantFields(form), message = form.querySelector(".message"), idem = key();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        username: value(form, "username"), display_name: value(form, "display_name"),
        phone: value(form, "phone") || null, password: form.elements.password.value, grants: [grant()]
      };
      form.querySelector("button[type=submit]").disabled = true;
      api("POST", "/api/v1/staff", body, { "Idempotency-Key": idem }).then(function (made) {
        window.location.href = "/console/staff/" + made.id;
      }).catch(function (error) {
        say(message, fieldErrors(error));
        form.querySelector("button[type=submit]").disabled = false;
      });
    });
  }

  function detailPage(box) {
    var id = box.dataset.userId, message = document.getElementById("staff-message");
    var base = "/api/v1/staff/" + id;
    function act(method, url, body, done) {
      return api(method, url, body).then(function () {
        say(message, done, true);
        window.setTimeout(function () { window.location.reload(); }, 600);
      }).catch(function (error) { say(message, fieldErrors(error)); message.scrollIntoView(); });
    }
    document.querySelectorAll(".revoke").forEach(function (button) {
      button.addEventListener("click", function () {
        if (window.confirm("确定收回该角色？")) act("DELETE", base + "/grants/" + button.dataset.grantId, undefined, "已收回");
      });
    });
    var add = document.getElementById("grant-add");
    if (add) {
      var grant = grantFields(add);
      add.addEventListener("submit", function (event) {
        event.preventDefault();
        act("POST", base + "/grants", grant(), "已授予");
      });
    }
    var edit = document.getElementById("staff-edit");
    if (edit) edit.addEventListener("submit", function (event) {
      event.preventDefault();
      act("PATCH", base, {
        display_name: value(edit, "display_name"), username: value(edit, "username"), phone: value(edit, "phone") || null
      }, "已保存");
    });
    var reset = document.getElementById("password-reset");
    if (reset) reset.addEventListener("submit", function (event) {
      event.preventDefault();
      act("POST", base + "/password", { password: reset.elements.password.value }, "密码已重置，请告知本人登录后修改");
    });
    [["unlock", "/unlock", "已解除锁定"], ["deactivate", "/deactivate", "已停用，该账号的登录已全部失效"],
     ["reactivate", "/reactivate", "已恢复"]].forEach(function (spec) {
      var button = document.getElementById(spec[0]);
      if (button) button.addEventListener("click", function () {
        if (spec[0] !== "deactivate" || window.confirm("确定停用该账号？其所有登录将立即失效。")) act("POST", base + spec[1], undefined, spec[2]);
      });
    });
  }

  function importPage(form) {
    var message = document.getElementById("import-message"), list = document.getElementById("import-errors");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData();
      data.append("file", form.elements.file.files[0]);
      list.textContent = "";
      api("POST", "/api/v1/staff/imports", data).then(function (result) {
        say(message, "已导入 " + result.imported + " 个账号", true);
      }).catch(function (error) {
        say(message, error.message);
        ((error.data && error.data.details && error.data.details.errors) || []).forEach(function (row) {
          var item = document.createElement("li");
          item.textContent = "第 " + row.row + " 行：" + row.message;
          list.appendChild(item);
        });
      });
    });
  }

  function passwordPage(form) {
    var message = document.getElementById("password-message");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.elements.new_password.value !== form.elements.repeat.value) {
        say(message, "两次输入的新密码不一致");
        return;
      }
      var body = {
        city: form.dataset.city, username: value(form, "username"), password: form.elements.password.value,
        new_password: form.elements.new_password.value, cookie: true
      };
      api("POST", "/api/v1/auth/password", body).then(function (signedIn) {
        var roles = signedIn.user.grants.map(function (g) { return g.role; });
        var official = roles.some(function (r) { return ["grid_worker", "department_staff", "department_admin", "resident"].indexOf(r) < 0; });
        var next = official ? form.dataset.next : roles.indexOf("department_admin") >= 0 ? "/console/staff" : null;
        say(message, "密码已修改，您已登录" + (next ? "" : "。请在网格通小程序或手机页面中继续使用"), true);
        if (next) window.location.href = next;
      }).catch(function (error) { say(message, fieldErrors(error)); });
    });
  }

  var found;
  if ((found = document.getElementById("staff-create"))) createPage(found);
  if ((found = document.getElementById("staff-account"))) detailPage(found);
  if ((found = document.getElementById("staff-import"))) importPage(found);
  if ((found = document.getElementById("password-change"))) passwordPage(found);
})();
