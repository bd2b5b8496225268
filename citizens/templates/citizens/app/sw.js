// The citizens' app's service worker. The app's page is network-first with its last copy as the fallback;
// static assets are cache-first, in a cache named after their content. What the citizen sends waits in the
// outbox (citizen-outbox.js) and is sent from here too when the browser says the connection is back, even if
// the app was closed meanwhile. Answers of the API are never cached here: the page keeps what it showed.
importScripts({{ outbox_json|safe }});
const CACHE = "grs-app-{{ version }}";
const SHELL = {{ shell_json|safe }};
const MANIFEST = {{ manifest_json|safe }};
const STATIC = {{ static_json|safe }};
const ASSETS = {{ assets_json|safe }};
const API = "/api/v1/";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    await keep(cache, SHELL, await fetch(SHELL).catch(() => null));
    await keep(cache, MANIFEST, await fetch(MANIFEST).catch(() => null));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("grs-app-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === SHELL || url.pathname === MANIFEST) {
    event.respondWith(networkFirst(request, url));
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
  const waiting = await self.GrsOutbox.flush(API);
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage("outbox");
  // Still waiting: fail the sync, so the browser tries again later.
  if (waiting) throw new Error("still offline");
}

// Only the app's own page as the server sent it: never a page it was redirected to, nor one with a query.
function keep(cache, path, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(path, response.clone());
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (!url.search) await keep(cache, url.pathname, response);
    return response;
  } catch (error) {
    return (await cache.match(url.pathname)) || Response.error();
  }
}
