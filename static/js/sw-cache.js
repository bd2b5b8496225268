/* What the service workers of the UDC console and of the citizens' app share, loaded with importScripts.
 *
 * Each keeps one cache named after the content of what it keeps, so a release installs a worker with fresh
 * copies and the old cache is dropped. Static assets are cache-first. The worker's own page is network-first,
 * with its last copy as the fallback; only the page as the server sent it is kept, never a page it was
 * redirected to (a sign-in page) nor one with a query (a search).
 */
self.GrsCache = (function () {
  "use strict";

  function keep(cache, path, response) {
    if (response && response.ok && !response.redirected && response.type === "basic") {
      return cache.put(path, response.clone());
    }
  }

  async function install(name, assets, pages) {
    const cache = await caches.open(name);
    await cache.addAll(assets);
    for (const page of pages) await keep(cache, page, await fetch(page).catch(() => null));
  }

  async function dropOthers(prefix, name) {
    for (const other of await caches.keys()) {
      if (other.startsWith(prefix) && other !== name) await caches.delete(other);
    }
  }

  async function cacheFirst(name, request) {
    const cache = await caches.open(name);
    const hit = await cache.match(request);
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  }

  async function networkFirst(name, request) {
    const cache = await caches.open(name);
    const url = new URL(request.url);
    try {
      const response = await fetch(request);
      if (!url.search) await keep(cache, url.pathname, response);
      return response;
    } catch (error) {
      return (await cache.match(url.pathname)) || Response.error();
    }
  }

  return { install, dropOthers, cacheFirst, networkFirst };
})();
