// The scanner's service worker: keeps the page itself (and its script, styles and QR decoder)
// so a device that reloads or restarts in a dead zone still opens the scanner. Only the shell
// is cached; the API is never answered from a cache (the page keeps its own offline copy).
"use strict";

const CACHE = "scanner-shell-v1";
const scope = new URL(self.registration.scope);
const SHELL = [
  `${scope.pathname}scan`,
  "/static/style.css",
  "/static/checkin/checkin.css",
  "/static/checkin/scan.js",
  "/static/checkin/vendor/jsqr/jsQR.js",
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !SHELL_PATHS.has(url.pathname)) return;
  // Network first, so a new release reaches the doors; the cache when the network is gone.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname))
  );
});
