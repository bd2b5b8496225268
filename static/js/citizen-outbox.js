/* The citizens' app outbox, shared by the app's page and its service worker.
 *
 * Everything a citizen sends — a grievance with its photos, an answer to the office, a rating, an appeal — is
 * first written to IndexedDB under an Idempotency-Key of its own, then sent to the public REST API. It stays
 * stored until the server has answered: a lost connection, a closed app or a reload only delays it. A resend
 * carries the same key, so the server records it once however often it arrives; and sending is done under a
 * lock, so the page and the service worker never send the same item side by side.
 *
 * States: "waiting" (to be sent), "sent" (answered; kept until the page has shown the answer), "refused" (the
 * server said no, e.g. the office's deadline for an appeal has passed; kept, with its reason, until the citizen
 * edits or discards it).
 */
(function (scope) {
  "use strict";
  const NAME = "grs-citizen";
  const OUTBOX = "outbox";
  const KEPT = "kept"; // the grievance being written, so a closed app or a dead battery loses nothing
  let opened = null;

  function database() {
    opened =
      opened ||
      new Promise((resolve, reject) => {
        const request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore(OUTBOX, { keyPath: "key" });
          request.result.createObjectStore(KEPT, { keyPath: "name" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    return opened;
  }

  async function store(name, mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  const all = async () => (await store(OUTBOX, "readonly", (s) => s.getAll())).sort((a, b) => a.created - b.created);
  const put = (item) => store(OUTBOX, "readwrite", (s) => s.put(item));
  const drop = (key) => store(OUTBOX, "readwrite", (s) => s.delete(key));
  const keep = (name, value) => store(KEPT, "readwrite", (s) => s.put({ name, value }));
  const kept = async (name) => ((await store(KEPT, "readonly", (s) => s.get(name))) || {}).value;
  const forget = (name) => store(KEPT, "readwrite", (s) => s.delete(name));

  function newKey() {
    if (scope.crypto.randomUUID) return scope.crypto.randomUUID();
    // Pages served over plain HTTP have no randomUUID: a version-4 UUID from random bytes.
    const b = scope.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // One item as an API request. Cookies are left out: the app is a public client of the API, so a session an
  // official may have open in the same browser never turns its requests into theirs.
  function request(item, api) {
    const headers = { "Idempotency-Key": item.key, "Accept-Language": item.language, Accept: "application/json" };
    let url;
    let body;
    if (item.kind === "file") {
      url = `${api}grievances/`;
      body = new FormData();
      for (const [name, value] of Object.entries(item.fields)) {
        if (value !== "" && value !== null && value !== undefined) body.append(name, value);
      }
      for (const photo of item.photos || []) body.append("attachments", photo.blob, photo.name);
    } else {
      url = `${api}track/${encodeURIComponent(item.number)}/${item.kind === "reply" ? "reply" : item.kind}/`;
      headers["Content-Type"] = "application/json";
      body = JSON.stringify({ ...item.proof, ...item.fields });
    }
    return { url, init: { method: "POST", headers, body, credentials: "omit", cache: "no-store" } };
  }

  // The server's reason in one line: {"detail": ...} or {field: [messages]}.
  function reason(answer) {
    if (!answer || typeof answer !== "object") return "";
    if (typeof answer.detail === "string") return answer.detail;
    const messages = [];
    for (const value of Object.values(answer)) {
      if (Array.isArray(value)) messages.push(...value.filter((v) => typeof v === "string"));
      else if (typeof value === "string") messages.push(value);
    }
    return messages.join(" ");
  }

  // "sent", "refused", or "later" (no connection, or the server could not take it now: try again later).
  async function sendOne(item, api) {
    const { url, init } = request(item, api);
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      return "later";
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch (error) {
      answer = null;
    }
    if (response.ok) {
      await put({ ...item, state: "sent", answer, sent: Date.now(), photos: [] });
      return "sent";
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408 || answer === null) {
      await put({ ...item, tries: (item.tries || 0) + 1 });
      return "later";
    }
    await put({ ...item, state: "refused", error: reason(answer), status: response.status });
    return "refused";
  }

  let chain = Promise.resolve();
  function locked(work) {
    if (scope.navigator.locks) return scope.navigator.locks.request("grs-citizen-outbox", work);
    chain = chain.then(work, work); // one at a time in this page at least; the key keeps it to one grievance
    return chain;
  }

  // Sends every waiting item, oldest first, and stops at the first that cannot go now. Answers how many
  // are still waiting, and how many were answered (sent or refused) this time.
  function flush(api) {
    return locked(async () => {
      let waiting = 0;
      let answered = 0;
      for (const item of await all()) {
        if (item.state !== "waiting") continue;
        if (waiting || (await sendOne(item, api)) === "later") waiting += 1;
        else answered += 1;
      }
      return { waiting, answered };
    });
  }

  scope.GrsOutbox = { all, put, drop, keep, kept, forget, newKey, flush, reason };
})(self);
