// The citizens' app's service worker. It keeps the app's page, manifest and assets (see sw-cache.js), so the
// app opens without a connection. What the citizen sends waits in the outbox (citizen-outbox.js) and is sent
// from here too when the browser says the connection is back, even if the app was closed meanwhile. Answers
// of the API are never cached here: the page keeps what it showed.
importScripts({{ cache_script_json|safe }}, {{ outbox_json|safe }});
const CACHE = "grs-app-{{ version }}";
const SHELL = {{ shell_json|safe }};
const MANIFEST = {{ manifest_json|safe }};
const STATIC = {{ static_json|safe }};
const ASSETS = {{ assets_json|safe }};
const API = {{ api_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(GrsCache.install(CACHE, ASSETS, [SHELL, MANIFEST]).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(GrsCache.dropOthers("grs-app-", CACHE).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(GrsCache.cacheFirst(CACHE, request));
  } else if (url.pathname === SHELL || url.pathname === MANIFEST) {
    event.respondWith(GrsCache.networkFirst(CACHE, request));
  }
});

// Background Sync: the page asks for it when something is left waiting.
self.addEventListener("sync", (event) => {
  if (event.tag === "grs-outbox") event.waitUntil(send());
});

self.addEventListener("message", (event) => {
  if (event.data === "flush") event.waitUntil(send().catch(() => {}));
});

async function send() {
  const { waiting, answered } = await self.GrsOutbox.flush(API);
  if (answered) {
    for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage("outbox");
  }
  // Still waiting: fail the sync, so the browser tries again later.
  if (waiting) throw new Error("still offline");
}
