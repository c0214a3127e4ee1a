/* The one photo picker of the H5 forms: photos shrunk on the phone, then sent one by one to POST /api/v1/uploads
 * (upload first, as the mini-program's wx.uploadFile does), each with its own progress bar and its own retry, so
 * a weak signal costs one photo's retry and never the form. The form then names the upload ids.
 *
 * Markup: <div data-photo-picker data-max="9" data-label="处置后照片"></div>; gridPhotos.of(element) answers the
 * picker; picker.uploadIds() resolves to the ids once every photo is up (retrying the failed ones once more), or
 * rejects with a message in Chinese and keeps the photos. */
(function () {
  "use strict";

  var SHRINK = { maxSizeMB: 1, maxWidthOrHeight: 1920, useWebWorker: false, preserveExif: false, initialQuality: 0.85 };
  var pickers = [];
  var serial = 0;

  function newKey() { return gridapp.newKey(); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Sent with XMLHttpRequest, since fetch cannot tell how much of the body has gone. The photo's own
     Idempotency-Key makes a retry after a lost answer return the same upload instead of a second one. */
  function send(blob, name, key, onProgress) {
    return new Promise(function (resolve, reject) {
      var body = new FormData();
      body.append("photo", blob, name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/uploads");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Idempotency-Key", key);
      var csrf = gridapp.cookie("csrf_access_token");
      if (csrf) xhr.setRequestHeader("X-CSRF-TOKEN", csrf);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) onProgress(event.loaded / event.total * 100);
      });
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.id) { resolve(data); return; }
        var error = new Error(data && data.message ? data.message : "上传失败（" + xhr.status + "）");
        error.status = xhr.status;
        reject(error);
      };
      xhr.onerror = function () { reject(new Error("网络不好，照片未能上传")); };
      xhr.send(body);
    });
  }

  /* One photo: a preview, a remove button, a bar for shrinking and then sending, and a retry button when sending failed. */
  function Shot(picker, file) {
    var self = this;
    this.picker = picker;
    this.file = file;
    this.name = file.name || "photo-" + (++serial) + ".jpg";
    this.key = newKey();
    this.uploadId = null;
    this.sending = null;
    this.tile = element("figure", "photo-tile");
    var img = element("img");
    img.alt = "待上传的照片";
    img.src = URL.createObjectURL(file);
    this.removeButton = element("button", "remove", "×");
    this.removeButton.type = "button";
    this.removeButton.addEventListener("click", function () { picker.remove(self); });
    var track = element("div", "bar-track");
    this.fill = element("div", "bar-fill");
    track.appendChild(this.fill);
    this.label = element("span", "progress-label");
    this.retryButton = element("button", "retry", "重试");
    this.retryButton.type = "button";
    this.retryButton.hidden = true;
    this.retryButton.addEventListener("click", function () { self.upload().catch(function () {}); });
    [img, this.removeButton, track, this.label, this.retryButton].forEach(function (node) { self.tile.appendChild(node); });
    this.ready = this.shrink();
    this.upload().catch(function () {});  /* sent at once, in the background: the form's submit then only waits */
  }

  Shot.prototype.show = function (percent, text) {
    this.fill.style.width = Math.round(percent) + "%";
    this.label.textContent = text;
    this.tile.classList.toggle("done", percent >= 100 && text === "");
  };

  /* Shrunk in the browser (vendored browser-image-compression): a 10 MB phone photo is sent as about 1 MB. */
  Shot.prototype.shrink = function () {
    var self = this;
    self.show(0, "压缩中");
    var shrinking = window.imageCompression
      ? imageCompression(this.file, Object.assign({ onProgress: function (p) { self.show(p, "压缩中 " + p + "%"); } }, SHRINK))
      : Promise.resolve(this.file);
    return shrinking.then(function (blob) {
      self.blob = blob.size < self.file.size ? blob : self.file;
      self.show(0, "等待上传");  /* photos go one at a time: this one waits its turn */
      return self.blob;
    }, function () {
      self.blob = self.file;  /* not an image the browser can draw: the server judges it */
      return self.blob;
    });
  };

  /* Photos go one at a time (the picker's queue), so the first ones finish early on a slow line. */
  Shot.prototype.upload = function () {
    var self = this;
    if (this.uploadId) return Promise.resolve(this.uploadId);
    if (this.sending) return this.sending;
    this.retryButton.hidden = true;
    this.tile.classList.remove("failed");
    this.sending = this.picker.queue(function () {
      return self.ready.then(function (blob) {
        if (self.removed) throw new Error("removed");
        self.show(0, "等待上传");
        return send(blob, self.name, self.key, function (p) { self.show(p, "上传中 " + Math.round(p) + "%"); });
      });
    }).then(function (upload) {
      self.uploadId = upload.id;
      self.show(100, "");
      return upload.id;
    }, function (error) {
      if (!self.removed) {
        self.show(0, "上传失败");
        self.tile.classList.add("failed");
        self.retryButton.hidden = false;
        self.retryButton.setAttribute("aria-label", "重试上传：" + error.message);
      }
      throw error;
    }).finally(function () { self.sending = null; });
    return this.sending;
  };

  function Picker(root) {
    var self = this;
    this.root = root;
    this.max = Number(root.dataset.max || 9);
    this.label = root.dataset.label || "照片";
    this.shots = [];
    this.tail = Promise.resolve();
    var id = "photo-input-" + (++serial);
    this.grid = element("div", "photo-grid");
    this.add = element("label", "photo-add");
    this.add.setAttribute("for", id);
    this.add.appendChild(element("span", "", "＋ " + (root.dataset.prompt || "拍照或选图")));
    this.input = element("input", "visually-hidden");
    this.input.type = "file";
    this.input.id = id;
    this.input.accept = "image/*";
    if (root.dataset.capture) this.input.setAttribute("capture", root.dataset.capture);  /* straight to the camera */
    this.input.multiple = this.max > 1;
    this.input.setAttribute("aria-label", this.label);
    this.add.appendChild(this.input);
    this.grid.appendChild(this.add);
    this.counter = element("p", "hint");
    this.counter.setAttribute("aria-live", "polite");
    root.classList.add("photo-picker");
    root.appendChild(this.grid);
    root.appendChild(this.counter);
    this.input.addEventListener("change", function () {
      self.addFiles(Array.prototype.slice.call(self.input.files));
      self.input.value = "";
    });
    this.renumber();
  }

  Picker.prototype.queue = function (work) {
    var run = this.tail.then(work, work);
    this.tail = run.catch(function () {});
    return run;
  };

  /* Files from the input, or blobs kept in an offline draft (each sent again under a new key). */
  Picker.prototype.addFiles = function (files) {
    var self = this;
    var room = this.max - this.shots.length;
    files.slice(0, room).forEach(function (file) {
      var shot = new Shot(self, file);
      self.shots.push(shot);
      self.grid.insertBefore(shot.tile, self.add);
    });
    this.renumber();
    if (files.length > room) this.counter.textContent += "。最多 " + this.max + " 张，多出的没有加入";
  };

  Picker.prototype.remove = function (shot) {
    shot.removed = true;
    this.shots.splice(this.shots.indexOf(shot), 1);
    shot.tile.remove();
    this.renumber();
    this.input.focus();
  };

  Picker.prototype.renumber = function () {
    this.shots.forEach(function (shot, i) { shot.removeButton.setAttribute("aria-label", "删除第 " + (i + 1) + " 张照片"); });
    this.add.hidden = this.shots.length >= this.max;
    this.counter.textContent = this.shots.length ? "已选 " + this.shots.length + " 张，最多 " + this.max + " 张" : "还没有照片";
  };

  Picker.prototype.count = function () { return this.shots.length; };

  /* The shrunk photos, for a draft kept on the phone. */
  Picker.prototype.blobs = function () {
    return Promise.all(this.shots.map(function (shot) { return shot.ready; }));
  };

  Picker.prototype.clear = function () {
    this.shots.slice().forEach(function (shot) { shot.removed = true; shot.tile.remove(); });
    this.shots = [];
    this.renumber();
  };

  /* Every photo up (failed ones tried once more) → their ids in order; else a Chinese message, photos kept. */
  Picker.prototype.uploadIds = function () {
    var shots = this.shots.slice();
    return Promise.all(shots.map(function (shot) {
      return shot.upload().catch(function () { return shot.upload(); }).then(function (id) { return { id: id }; }, function (error) {
        return { error: error };
      });
    })).then(function (results) {
      var failed = results.filter(function (r) { return r.error; });
      if (failed.length) {
        var error = new Error("有 " + failed.length + " 张照片未能上传：" + failed[0].error.message + "。请检查网络后点照片上的“重试”，已填写的内容不会丢失");
        error.status = failed[0].error.status;
        throw error;
      }
      return results.map(function (r) { return r.id; });
    });
  };

  function of(root) {
    for (var i = 0; i < pickers.length; i += 1) if (pickers[i].root === root) return pickers[i];
    var picker = new Picker(root);
    pickers.push(picker);
    return picker;
  }

  function start() { Array.prototype.forEach.call(document.querySelectorAll("[data-photo-picker]"), of); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();

  window.gridPhotos = { of: of };
})();
