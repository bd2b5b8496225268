// The UDC console's service worker: keeps the console usable when the link drops (see sw-cache.js). Grievances
// filed offline wait in IndexedDB (udc-offline.js), and receipts are never kept.
importScripts({{ cache_script_json|safe }});
const CACHE = "grs-udc-{{ version }}";
const CONSOLE = {{ console_json|safe }};
const STATIC = {{ static_json|safe }};
const ASSETS = {{ assets_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(GrsCache.install(CACHE, ASSETS, [CONSOLE]).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(GrsCache.dropOthers("grs-udc-", CACHE).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(GrsCache.cacheFirst(CACHE, request));
  } else if (request.mode === "navigate" && url.pathname === CONSOLE) {
    event.respondWith(GrsCache.networkFirst(CACHE, request));
  }
});
