/* The H5 pages' service worker, served from /h5/sw.js behind a prelude that sets self.GRIDAPP_SHELL
 * ({version, files, offline}: gridapp/h5/offline.py).
 *
 * - The shell (static files only) is kept in a cache named by its content hash; a new deploy installs a new worker,
 *   which takes over at once and drops the old caches.
 * - A page asked for while the network is down gets the offline page; pages themselves are never cached, and
 *   API and media answers (personal data) never pass through here at all.
 * - Background Sync sends the offline drafts (drafts.js) when the browser sees the signal return. */
/* global GRIDAPP_SHELL, gridDrafts */
importScripts("/static/drafts.js");

var PREFIX = "gridapp-shell-";
var CACHE = PREFIX + GRIDAPP_SHELL.version;
var SHELL = new Set(GRIDAPP_SHELL.files);

self.addEventListener("install", function (event) {
  self.skipWaiting();
  /* Where the browser can route requests itself, API and media calls skip the worker entirely. */
  if (event.addRoutes && self.URLPattern) {
    event.addRoutes(["/api/*", "/media/*"].map(function (pathname) {
      return { condition: { urlPattern: new URLPattern({ pathname: pathname }) }, source: "network" };
    })).catch(function () {});
  }
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(GRIDAPP_SHELL.files.map(function (url) {
      return new Request(url, { cache: "reload", credentials: "omit" });
    }));
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(PREFIX) === 0 && name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(GRIDAPP_SHELL.offline); });
    }));
    return;
  }
  if (!SHELL.has(url.pathname)) return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(url.pathname).then(function (hit) { return hit || fetch(request); });
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag === gridDrafts.SYNC_TAG) event.waitUntil(gridDrafts.sendAll());
});
