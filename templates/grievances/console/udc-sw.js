// The UDC console's service worker: keeps the console usable when the link drops. The console page is
// network-first with its last copy as the fallback; static assets are cache-first, in a cache named after
// their content. Grievances filed offline wait in IndexedDB (udc-offline.js), and receipts are never kept.
const CACHE = "grs-udc-{{ version }}";
const CONSOLE = {{ console_json|safe }};
const STATIC = {{ static_json|safe }};
const ASSETS = {{ assets_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    await keepConsole(cache, await fetch(CONSOLE).catch(() => null));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("grs-udc-") && name !== CACHE) await caches.delete(name);
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
  } else if (request.mode === "navigate" && url.pathname === CONSOLE) {
    event.respondWith(networkFirst(request, url));
  }
});

// Only the operator's own console page: never a sign-in page it was sent to, nor a search or a later page.
function keepConsole(cache, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(CONSOLE, response.clone());
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
    if (!url.search) await keepConsole(cache, response);
    return response;
  } catch (error) {
    return (await cache.match(CONSOLE)) || Response.error();
  }
}
