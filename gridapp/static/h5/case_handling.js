/* Handlers' tools on a staff case page (templates/h5/staff/_case_handling.html): notes from reply templates, internal
   or public, and a new category or place. The page reloads after a change, so its timeline shows the new step. */
(function () {
  "use strict";
  var box = document.getElementById("case-handling");
  if (!box) return;
  var api = window.gridapp.api, say = window.gridapp.say;
  var caseUrl = "/api/v1/cases/" + box.dataset.caseId;

  function newKey() { return gridapp.newKey(); }
  function field(id) { return document.getElementById(id); }
  function option(value, text) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  }

  var noteForm = field("note-form");
  if (noteForm) {
    var picker = field("reply-template"), text = field("note-body"), noteKey = newKey();
    api("GET", caseUrl + "/reply-templates").then(function (templates) {
      picker.textContent = "";
      picker.appendChild(option("", templates.length ? "选择回复模板（可再修改）" : "暂无适用的回复模板"));
      templates.forEach(function (template, index) { picker.appendChild(option(String(index), template.title)); });
      picker.disabled = !templates.length;
      picker.addEventListener("change", function () {
        if (picker.value === "") return;
        text.value = templates[Number(picker.value)].text;
        text.focus();
      });
    }).catch(function (error) {
      picker.textContent = "";
      picker.appendChild(option("", "模板载入失败：" + error.message));
    });
    noteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = field("note-message"), send = field("note-send");
      var body = { body: text.value.trim(), public: field("note-visibility").value === "public" };
      if (!body.body) { say(message, "请填写备注内容"); return; }
      send.disabled = true;
      api("POST", caseUrl + "/notes", body, { "Idempotency-Key": noteKey }).then(function () {
        noteKey = newKey();
        say(message, body.public ? "已发布，反映人会收到通知" : "已保存内部备注", true);
        window.location.reload();
      }).catch(function (error) {
        say(message, error.message);
        send.disabled = false;
      });
    });
  }

  var moveForm = field("recategorise-form");
  if (moveForm) {
    var categories = field("new-category"), current = box.dataset.categoryId;
    api("GET", "/api/v1/categories?per_page=100").then(function (page) {
      page.items.forEach(function (category) {
        if (String(category.id) !== current) categories.appendChild(option(String(category.id), category.name));
      });
    }).catch(function (error) { say(field("recategorise-message"), "分类载入失败：" + error.message); });
    field("use-position").addEventListener("click", function () {
      var message = field("recategorise-message");
      if (!navigator.geolocation) { say(message, "此设备无法获取位置，请手动填写"); return; }
      say(message, "正在获取位置…", true);
      navigator.geolocation.getCurrentPosition(function (position) {
        field("new-lat").value = position.coords.latitude.toFixed(6);
        field("new-lng").value = position.coords.longitude.toFixed(6);
        say(message, "已填入当前位置", true);
      }, function () { say(message, "无法获取位置，请允许定位或手动填写"); }, { enableHighAccuracy: true, timeout: 15000 });
    });
    moveForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = field("recategorise-message"), send = field("recategorise-send");
      var body = { note: field("recategorise-note").value.trim() };
      if (categories.value !== current) body.category_id = Number(categories.value);
      var lat = field("new-lat").value.trim(), lng = field("new-lng").value.trim();
      if (lat || lng) {
        if (!lat || !lng || isNaN(Number(lat)) || isNaN(Number(lng))) { say(message, "请同时填写有效的纬度和经度"); return; }
        body.place = { lat: Number(lat), lng: Number(lng) };
        var address = field("new-address").value.trim();
        if (address) body.place.address = address;
      }
      if (body.category_id === undefined && !body.place) { say(message, "请选择新的分类或填写新位置"); return; }
      send.disabled = true;
      api("POST", caseUrl + "/recategorise", body).then(function () {
        say(message, "已调整", true);
        window.location.reload();
      }).catch(function (error) {
        say(message, error.message);
        send.disabled = false;
      });
    });
  }
})();
