/* The UDC console when the link drops.
 *
 * A service worker keeps the console page and its assets. A grievance filed while the link is down is kept
 * in IndexedDB under its own Idempotency-Key and sent to the API when the link returns (on the "online"
 * event, on page load and every minute while any waits). Each stays stored until the server has answered,
 * and a resend carries the same key: a lost answer or a reload gets back the grievance already filed,
 * never a second one. Attachments are not kept.
 */
(function () {
  "use strict";
  const form = document.querySelector("form[data-offline]");
  const queue = document.getElementById("queue");
  if (!form || !queue || !window.indexedDB || !window.fetch || !window.crypto) return;
  const text = queue.dataset;
  const list = queue.querySelector(".drafts");
  const status = document.getElementById("queue-status");
  const banner = document.getElementById("offline-banner");
  const button = form.querySelector("button[type=submit]");
  const CONTACT = ["complainant_name", "complainant_phone", "complainant_email", "complainant_address", "complainant_country"];
  const FIELDS = ["type", "office", "service", "subject", "description", ...CONTACT];
  const sending = new Set();

  if ("serviceWorker" in navigator) navigator.serviceWorker.register(text.sw, { scope: text.scope }).catch(() => {});

  // --- IndexedDB: one store of drafts, keyed by their Idempotency-Key ---------------------------------
  let opened = null;
  function database() {
    opened = opened || new Promise((resolve, reject) => {
      const request = indexedDB.open("grs-udc", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("drafts", { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  }
  async function store(mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("drafts", mode);
      const request = work(tx.objectStore("drafts"));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }
  // Several operators may share a computer: each sees and sends only their own.
  const mine = async () =>
    (await store("readonly", (s) => s.getAll())).filter((d) => d.user === text.user).sort((a, b) => a.created - b.created);
  const save = (draft) => store("readwrite", (s) => s.put(draft));
  const remove = (key) => store("readwrite", (s) => s.delete(key));

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Pages served over plain HTTP have no randomUUID: a version-4 UUID from random bytes.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  const say = (message) => { status.textContent = message; };

  // --- filing: the normal form when the server answers, the queue when it does not ---------------------
  async function reachable() {
    if (!navigator.onLine) return false;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 8000);
    try {
      await fetch(text.sw, { method: "HEAD", cache: "no-store", signal: abort.signal });
      return true;
    } catch (error) {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    if (await reachable()) {
      form.submit();
      return;
    }
    try {
      await keep();
    } finally {
      button.disabled = false;
    }
  });
  window.addEventListener("pageshow", () => { button.disabled = false; });

  async function keep() {
    const data = new FormData(form);
    if (data.get("channel") === "paper") return say(text.paper);
    const fields = {};
    for (const name of FIELDS) fields[name] = String(data.get(name) || "").trim();
    if (fields.type === "anonymous") for (const name of CONTACT) fields[name] = "";
    fields.service = fields.service ? Number(fields.service) : null;
    fields.channel = "udc";
    const office = form.elements.office;
    const draft = {
      key: newKey(), user: text.user, created: Date.now(), state: "pending",
      subject: fields.subject, office: office.options[office.selectedIndex].text, fields,
    };
    try {
      await save(draft);
    } catch (error) {
      return say(text.unsaved);
    }
    form.reset();
    form.elements.idempotency_key.value = newKey();
    form.dispatchEvent(new Event("change"));
    say(text.saved);
    await show();
    flush();
  }

  // --- sending what waits --------------------------------------------------------------------------------
  let flushing = false, again = false;
  async function flush() {
    if (flushing) { again = true; return; }
    if (!navigator.onLine) return;
    flushing = true;
    again = false;
    try {
      for (const draft of await mine()) {
        if (draft.state !== "pending") continue;
        sending.add(draft.key);
        await show();
        const answered = await send(draft);
        sending.delete(draft.key);
        if (!answered) break; // still no connection, or the server is in trouble: all wait for the next try
      }
    } catch (error) {
      // IndexedDB refused: what waits stays where it is.
    } finally {
      flushing = false;
      sending.clear();
      await show();
    }
    if (again) flush();
  }

  async function send(draft) {
    let response;
    try {
      response = await fetch(text.api, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Accept-Language": document.documentElement.lang,
          "Idempotency-Key": draft.key,
          "X-CSRFToken": cookie(text.csrfCookie),
        },
        body: JSON.stringify(draft.fields),
      });
    } catch (error) {
      return false;
    }
    if (response.status >= 500) return false;
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      // Filed (201), or filed before and answered again (200, with the same access code, which the
      // server derives from the Idempotency-Key): the details are no longer needed here.
      const code = body.access_code || "";
      Object.assign(draft, { state: "sent", number: body.tracking_number, code });
      delete draft.fields;
    } else {
      Object.assign(draft, { state: "failed", error: problem(body, response.status) });
    }
    await save(draft);
    return true;
  }

  function problem(body, code) {
    const parts = [];
    for (const [name, value] of Object.entries(body)) {
      if (name === "code") continue;
      const message = [].concat(value).join(" ");
      const label = form.querySelector(`label[for="id_${name}"]`);
      parts.push(label ? `${label.textContent.trim()}: ${message}` : message);
    }
    return parts.join(" ") || `HTTP ${code}`;
  }

  // --- the list ----------------------------------------------------------------------------------------------
  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }
  function action(label, run) {
    const node = element("button", "link", label);
    node.type = "button";
    node.addEventListener("click", run);
    return node;
  }
  const grouped = (n) => `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8)}`;

  function entry(draft) {
    const state = sending.has(draft.key) ? "sending" : draft.state;
    const item = element("li", `draft ${state}`);
    item.append(element("strong", "", draft.subject), ` — ${draft.office} `);
    const note = element("span", "state");
    item.append(note, " ");
    if (state === "sent") {
      note.append(`${text.sent} `, element("strong", "number", grouped(draft.number)));
      if (draft.code) note.append(` · ${text.code} `, element("strong", "number", draft.code));
      const receipt = element("a", "", text.print);
      receipt.href = text.receipt.replace(text.placeholder, draft.number);
      item.append(receipt, " ", action(text.done, () => remove(draft.key).then(show)));
    } else if (state === "failed") {
      note.className = "state error";
      note.textContent = `${text.failed} ${draft.error}`;
      item.append(
        action(text.edit, () => edit(draft)),
        " ",
        action(text.retry, async () => { draft.state = "pending"; await save(draft); flush(); }),
        " ",
        action(text.discard, () => window.confirm(text.confirm) && remove(draft.key).then(show)),
      );
    } else {
      note.textContent = state === "sending" ? text.sending : text.pending;
    }
    return item;
  }

  async function show() {
    let drafts;
    try {
      drafts = await mine();
    } catch (error) {
      return;
    }
    list.replaceChildren(...drafts.map(entry));
    queue.hidden = drafts.length === 0;
  }

  // A refused draft goes back into the form to be corrected and filed again.
  async function edit(draft) {
    for (const [name, value] of Object.entries(draft.fields)) {
      if (name !== "channel" && form.elements[name]) form.elements[name].value = value == null ? "" : String(value);
    }
    await remove(draft.key);
    form.dispatchEvent(new Event("change"));
    form.scrollIntoView();
    await show();
  }

  // A copy of the page kept by the service worker carries an old key: every page load gets its own.
  form.elements.idempotency_key.value = newKey();
  const connection = () => { if (banner) banner.hidden = navigator.onLine; };
  window.addEventListener("online", () => { connection(); flush(); });
  window.addEventListener("offline", connection);
  connection();
  setInterval(flush, 60000);
  show().then(flush);
})();
