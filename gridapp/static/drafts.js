/* Offline drafts: a form written without signal (a basement, a lift) is kept on the phone, photos and all, and sent
 * when the signal returns: on the `online` event, on every page load, and by Background Sync in the service worker
 * (which loads this file too) where the browser has it.
 *
 * A draft is a request told, not a function, so it survives the page: IndexedDB keeps
 *   { key, title, url, fields: [[name, value], ...], photos: [{blob, name}], photoField, json, done }
 * `key` is the call's Idempotency-Key (the form's own, made once per report), so a draft sent twice, by the page
 * and the worker at once or after a lost answer, still files one report. Photos go first, one per request, to
 * /api/v1/uploads under keys derived from it; their ids are kept in the draft, then named in `photoField`.
 * Drafts belong to the account that wrote them (`owner`, from the page's gridapp-user meta) and only it sees and
 * sends them.
 *
 * For the pages: gridDrafts.submit(draft, picker) sends a form now or keeps it (the resident's report, reports.js;
 * a resolution would be `{key: newKey, title: "处置：" + caseNo, url: "/api/v1/cases/" + id + "/resolve",
 * fields: [["note", note]], photoField: "upload_ids", done: "/h5/..."}`; `json: true` sends the fields as a JSON
 * object instead of multipart); gridDrafts.queue(draft) keeps one and tries
 * to send it; gridDrafts.offline(error) tells a lost signal from a refusal; gridDrafts.onChange(listener) hears of
 * drafts queued, sent ({sent: key, answer, done}) and refused; every [data-drafts] element (templates/h5/_drafts.html)
 * lists the account's drafts with 发送 / 删除. */
(function (scope) {
  "use strict";

  var DB = "gridapp-drafts";
  var STORE = "drafts";
  var SYNC_TAG = "gridapp-drafts";
  var SAVED = "已保存草稿，恢复网络后自动发送";
  var inFlight = {};
  var listeners = [];
  var isPage = typeof document !== "undefined";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function pageOwner() {
    var meta = isPage && document.querySelector("meta[name=gridapp-user]");
    return meta ? meta.content : null;
  }

  /* The worker has no page to ask: the signed-in account is whoever the cookie says. */
  function owner() {
    if (isPage) return Promise.resolve(pageOwner());
    return renewed("GET", "/api/v1/me").then(function (me) { return me.city_id + ":" + me.id; }, function (error) {
      if (offline(error)) throw error;  /* no signal yet: Background Sync tries again later */
      return null;
    });
  }

  function cookie(name) {
    if (isPage) {
      var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
      return Promise.resolve(match ? decodeURIComponent(match[1]) : null);
    }
    if (!scope.cookieStore) return Promise.resolve(null);
    return scope.cookieStore.get(name).then(function (found) { return found ? found.value : null; });
  }

  /* fetch, with the CSRF double-submit header; an error carries the answer's status (none when the signal is gone). */
  function request(method, url, body, headers) {
    return cookie("csrf_access_token").then(function (csrf) {
      var sent = { "Accept": "application/json" };
      if (csrf) sent["X-CSRF-TOKEN"] = csrf;
      Object.keys(headers || {}).forEach(function (name) { sent[name] = headers[name]; });
      var options = { method: method, headers: sent, credentials: "same-origin", cache: "no-store" };
      if (body instanceof FormData) {
        options.body = body;
      } else if (body !== undefined) {
        sent["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      return fetch(url, options);
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return data;
        var error = new Error(data && data.message ? data.message : "提交失败（" + response.status + "）");
        error.status = response.status;
        error.data = data;
        throw error;
      });
    });
  }

  /* The access cookie lives an hour and a draft may wait longer: renew it once with the refresh cookie. */
  function renewed(method, url, body, headers) {
    return request(method, url, body, headers).catch(function (error) {
      if (error.status !== 401) throw error;
      return cookie("csrf_refresh_token").then(function (csrf) {
        if (!csrf) throw error;
        return fetch("/api/v1/auth/refresh", {
          method: "POST", credentials: "same-origin", headers: { "X-CSRF-TOKEN": csrf, "Accept": "application/json" }
        });
      }).then(function (response) {
        if (!response.ok) throw error;
        return request(method, url, body, headers);
      });
    });
  }

  /* No answer at all (or the phone says it is offline): worth keeping and trying again; an answer is a verdict. */
  function offline(error) {
    return (typeof navigator !== "undefined" && navigator.onLine === false) || !error || !error.status;
  }

  function retryLater(error) {
    return offline(error) || error.status === 401 || error.status === 429 || error.status >= 500;
  }

  function put(draft) { return store("readwrite", function (s) { return s.put(draft); }); }

  function get(key) { return store("readonly", function (s) { return s.get(key); }); }

  function all() { return store("readonly", function (s) { return s.getAll(); }); }

  function remove(key) {
    return store("readwrite", function (s) { return s.delete(key); }).then(function () { changed({ removed: key }); });
  }

  function changed(news) {
    listeners.forEach(function (listener) { listener(news); });
    if (isPage || !scope.clients) return;
    scope.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ drafts: news }); });
    });
  }

  function list() {
    return Promise.all([owner(), all()]).then(function (found) {
      return found[0] ? found[1].filter(function (d) { return d.owner === found[0]; }) : [];
    });
  }

  function uploadIds(draft) {
    if (draft.uploadIds && draft.uploadIds.length === draft.photos.length) return Promise.resolve(draft.uploadIds);
    var ids = [];
    return draft.photos.reduce(function (chain, photo, i) {
      return chain.then(function () {
        var body = new FormData();
        body.append("photo", photo.blob, photo.name);
        var round = draft.uploadRound ? "." + draft.uploadRound : "";
        return renewed("POST", "/api/v1/uploads", body, { "Idempotency-Key": draft.key + ".photo" + i + round });
      }).then(function (upload) { ids.push(upload.id); });
    }, Promise.resolve()).then(function () {
      draft.uploadIds = ids;
      return put(draft).then(function () { return ids; });
    });
  }

  function payload(draft, ids) {
    if (draft.json) {
      var object = {};
      draft.fields.forEach(function (pair) { object[pair[0]] = pair[1]; });
      if (draft.photoField) object[draft.photoField] = ids;
      return object;
    }
    var form = new FormData();
    draft.fields.forEach(function (pair) { form.append(pair[0], pair[1]); });
    if (draft.photoField) ids.forEach(function (id) { form.append(draft.photoField, id); });
    return form;
  }

  /* Photos first, then the call under the draft's key; sent → removed; refused → kept with the reason to show. */
  function sendOne(draft) {
    return uploadIds(draft).then(function (ids) {
      return renewed(draft.method || "POST", draft.url, payload(draft, ids), { "Idempotency-Key": draft.key });
    }).then(function (answer) {
      return remove(draft.key).then(function () {
        changed({ sent: draft.key, answer: answer, done: draft.done ? draft.done.replace("{id}", answer && answer.id) : null });
        return answer;
      });
    }, function (error) {
      var expired = error.data && error.data.code === "upload_unusable";
      draft.error = retryLater(error) || expired ? null : error.message;
      if (expired) {  /* the photos waited longer than uploads are kept: send them again, under new keys */
        draft.uploadIds = null;
        draft.uploadRound = (draft.uploadRound || 0) + 1;
      }
      return put(draft).then(function () { changed({ failed: draft.key }); throw error; });
    });
  }

  function send(key) {
    if (inFlight[key]) return inFlight[key];
    inFlight[key] = get(key).then(function (draft) {
      if (!draft) throw new Error("草稿已不存在");
      return sendOne(draft);
    }).finally(function () { delete inFlight[key]; });
    return inFlight[key];
  }

  /* Every pending draft of this account that was not refused, one after another; rejects while some still wait
     for the signal (so Background Sync tries again later). */
  function sendAll() {
    var waiting = null;
    return list().then(function (drafts) {
      return drafts.filter(function (d) { return !d.error; }).reduce(function (chain, draft) {
        return chain.then(function () {
          return send(draft.key).catch(function (error) { if (retryLater(error)) waiting = error; });
        });
      }, Promise.resolve());
    }).then(function () { if (waiting) throw waiting; });
  }

  function askForSync() {
    if (!isPage || !navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  /* Keep a draft (`key` the call's Idempotency-Key; photos as blobs) and send it at once if the phone is online. */
  function queue(draft) {
    draft.owner = draft.owner || pageOwner();
    draft.created = draft.created || Date.now();
    draft.error = null;
    return put(draft).then(function () {
      changed({ queued: draft.key });
      askForSync();
      if (isPage && navigator.onLine) send(draft.key).catch(function () {});
      return draft;
    });
  }

  /* A form's whole send: online, its photos through the picker (photos.js) and then the call; without signal, before
     or during, the same call kept as a draft (with the upload ids, if the photos got through). Resolves {answer}
     once sent or {draft} once kept; rejects with the server's refusal, the form left as it was. */
  function submit(draft, picker) {
    var uploaded = null;
    function keep() {
      return (picker ? picker.blobs() : Promise.resolve([])).then(function (blobs) {
        draft.photos = blobs.map(function (blob, i) { return { blob: blob, name: "photo-" + (i + 1) + ".jpg" }; });
        draft.uploadIds = uploaded;
        return queue(draft);
      }).then(function (kept) { return { draft: kept }; });
    }
    if (navigator.onLine === false) return keep();
    return (picker ? picker.uploadIds() : Promise.resolve([])).then(function (ids) {
      uploaded = ids;
      return renewed(draft.method || "POST", draft.url, payload(draft, ids), { "Idempotency-Key": draft.key });
    }).then(function (answer) { return { answer: answer }; }, function (error) {
      if (offline(error)) return keep();
      throw error;
    });
  }

  function when(created) {
    var d = new Date(created);
    function two(n) { return ("0" + n).slice(-2); }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  /* The account's pending drafts in `element` (hidden while there are none): each with 发送 and 删除. */
  function mount(element) {
    var items = element.querySelector("[data-drafts-list]");
    var status = element.querySelector("[data-drafts-status]");
    function draw() {
      return list().then(function (drafts) {
        items.innerHTML = "";
        drafts.sort(function (a, b) { return a.created - b.created; }).forEach(function (draft) {
          var li = document.createElement("li");
          li.className = "draft";
          li.dataset.key = draft.key;
          var text = document.createElement("span");
          text.className = "grow";
          text.textContent = draft.title + " · " + when(draft.created) + " · " + draft.photos.length + " 张照片";
          if (draft.error) {
            var why = document.createElement("span");
            why.className = "draft-error";
            why.textContent = "未能发送：" + draft.error;
            text.appendChild(document.createElement("br"));
            text.appendChild(why);
          }
          var sendButton = document.createElement("button");
          sendButton.type = "button";
          sendButton.className = "narrow";
          sendButton.textContent = "发送";
          sendButton.setAttribute("aria-label", "发送草稿：" + draft.title);
          sendButton.addEventListener("click", function () {
            sendButton.disabled = true;
            status.textContent = "正在发送…";
            send(draft.key).then(function () { status.textContent = "已发送"; }, function (error) {
              sendButton.disabled = false;
              status.textContent = offline(error) ? "网络仍未恢复，草稿已保留" : error.message;
            });
          });
          var removeButton = document.createElement("button");
          removeButton.type = "button";
          removeButton.className = "secondary narrow";
          removeButton.textContent = "删除";
          removeButton.setAttribute("aria-label", "删除草稿：" + draft.title);
          removeButton.addEventListener("click", function () {
            remove(draft.key).then(function () { status.textContent = "草稿已删除"; });
          });
          li.appendChild(text);
          li.appendChild(sendButton);
          li.appendChild(removeButton);
          items.appendChild(li);
        });
        element.hidden = drafts.length === 0 && !status.textContent;
      });
    }
    listeners.push(function (news) {
      if (news.sent && element.dataset.drafts === "reload") { window.location.href = news.done || window.location.href; return; }
      draw();
    });
    return draw();
  }

  /* Every H5 page loads this file, so it also installs the worker that keeps the pages' shell and sends drafts. */
  if (isPage) {
    if (navigator.serviceWorker) navigator.serviceWorker.register("/h5/sw.js", { scope: "/h5/" }).catch(function () {});
    window.addEventListener("online", function () { sendAll().catch(function () {}); });
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.drafts) listeners.forEach(function (listener) { listener(event.data.drafts); });
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-drafts]"), mount);
    if (pageOwner() && navigator.onLine) sendAll().catch(function () {});
  }

  scope.gridDrafts = {
    submit: submit, queue: queue, send: send, sendAll: sendAll, list: list, remove: remove, mount: mount, offline: offline,
    onChange: function (listener) { listeners.push(listener); }, SAVED: SAVED, SYNC_TAG: SYNC_TAG
  };
})(self);
