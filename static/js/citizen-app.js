/* The citizens' app (/app/): file a grievance with photos, follow it, answer the office, rate, appeal.
 *
 * A public client of the REST API under /api/v1/, nothing more: offices and services come from offices/ and
 * services/, a grievance is filed at grievances/, a phone is signed in with citizen/otp/ and citizen/session/
 * and its grievances are read from citizen/grievances/; a grievance filed anonymously is followed with
 * track/ and its access code. Whatever is sent goes through the outbox (citizen-outbox.js), so nothing is lost
 * to a dropped connection and nothing is recorded twice. What the app last showed is kept on the phone, to be
 * shown again without a connection.
 */
(function () {
  "use strict";
  const source = document.getElementById("app-text");
  if (!source || !window.fetch || !window.indexedDB || !window.GrsOutbox) return;
  const T = JSON.parse(source.textContent);
  const W = T.words;
  const API = T.api;
  const Outbox = window.GrsOutbox;
  const $ = (id) => document.getElementById(id);
  const OPEN = ["submitted", "in_progress", "awaiting_info"];

  // --- words, numbers and dates in the app's language --------------------------------------------------
  const BN_DIGITS = "০১২৩৪৫৬৭৮৯";
  const digits = (text) => (T.language === "bn" ? String(text).replace(/[0-9]/g, (d) => BN_DIGITS[d]) : String(text));
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => (name in values ? values[name] : ""));
  const locale = T.language === "bn" ? "bn-BD" : "en-GB";
  const dayFormat = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" });
  const timeFormat = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
  function day(value) {
    if (!value) return "";
    const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    return dayFormat.format(parts ? new Date(+parts[1], parts[2] - 1, +parts[3]) : new Date(value));
  }
  const moment = (value) => `${dayFormat.format(new Date(value))}, ${timeFormat.format(new Date(value))}`;
  const number = (n) => digits(n.length === 10 ? `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8)}` : n);
  const officeName = (o) => (T.language === "bn" && o.name_bn ? o.name_bn : o.name_en);

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function say(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  // --- what the phone keeps: the sign-in, the grievances it filed, what it last showed ------------------
  const local = {
    get(name, fallback) {
      try {
        const value = JSON.parse(localStorage.getItem(`grs-${name}`));
        return value === null ? fallback : value;
      } catch (error) {
        return fallback;
      }
    },
    set(name, value) {
      try {
        localStorage.setItem(`grs-${name}`, JSON.stringify(value));
      } catch (error) {
        /* a full store only costs the copy shown offline */
      }
    },
    drop(name) {
      localStorage.removeItem(`grs-${name}`);
    },
  };
  function session() {
    const signed = local.get("session", null);
    if (signed && new Date(signed.expires_at) > new Date()) return signed;
    if (signed) local.drop("session");
    return null;
  }
  // Grievances filed from this phone: the proof that follows them (phone, or the anonymous access code).
  const known = () => local.get("known", {});
  function remember(n, proof, subject) {
    const all = known();
    all[n] = { proof, subject };
    local.set("known", all);
  }
  function proofFor(n) {
    const mine = known()[n];
    if (mine) return mine.proof;
    const signed = session();
    return signed ? { phone: signed.phone } : null;
  }

  // --- the API ------------------------------------------------------------------------------------------
  class Offline extends Error {}
  async function api(path, { method = "GET", body, token } = {}) {
    const headers = { Accept: "application/json", "Accept-Language": T.language };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Citizen ${token}`;
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw new Offline();
    }
    let answer = null;
    try {
      answer = response.status === 204 ? {} : await response.json();
    } catch (error) {
      answer = null;
    }
    if (response.status >= 500 && answer === null) throw new Offline();
    return { status: response.status, ok: response.ok, answer };
  }

  // --- the connection ---------------------------------------------------------------------------------------
  function showConnection() {
    say($("net"), navigator.onLine ? "" : W.offline);
  }

  async function flush() {
    const { waiting, answered } = await Outbox.flush(API);
    if (waiting && navigator.serviceWorker) {
      navigator.serviceWorker.ready.then((r) => r.sync && r.sync.register("grs-outbox")).catch(() => {});
    }
    await showOutbox();
    return { waiting, answered };
  }

  // Something waiting was answered (here or by the service worker): the list or grievance on screen changed.
  function refreshView() {
    if (location.hash === "#mine" || location.hash.startsWith("#g/")) route();
  }

  // --- the outbox, as the citizen sees it ---------------------------------------------------------------
  function itemTitle(item) {
    if (item.kind === "file") return `${W.kind_file}: ${item.label}`;
    return fill(W[`kind_${item.kind}`], { number: number(item.number) });
  }

  function receipt(item) {
    const answer = item.answer || {};
    const box = element("div", { class: "receipt" });
    if (item.kind !== "file") {
      box.append(element("strong", { text: fill(W[`sent_${item.kind}`], { number: number(item.number) }) }));
      return box;
    }
    box.append(element("strong", { text: W.sent_file }));
    box.append(
      element("p", { text: W.tracking_number }),
      element("p", { class: "number", text: number(answer.tracking_number) }),
    );
    if (answer.access_code) {
      box.append(
        element(
          "div",
          { class: "access-code" },
          element("p", { text: W.access_code }),
          element("p", { class: "number", text: digits(answer.access_code) }),
          element("p", { text: W.access_code_keep }),
        ),
      );
    }
    if (answer.due_date) box.append(element("p", { text: `${W.due}: ${day(answer.due_date)}` }));
    return box;
  }

  async function showOutbox() {
    const items = await Outbox.all();
    const list = document.querySelector("#outbox .drafts");
    list.replaceChildren();
    for (const item of items) {
      if (item.state === "sent" && item.kind === "file" && item.answer && item.answer.tracking_number) {
        const n = item.answer.tracking_number;
        remember(
          n,
          item.fields.complainant_phone
            ? { phone: item.fields.complainant_phone }
            : { code: item.answer.access_code || "" },
          item.label,
        );
      }
      const row = element("li", {
        class: `draft ${item.state === "refused" ? "failed" : item.state === "sent" ? "sent" : "pending"}`,
        "data-key": item.key,
      });
      if (item.state === "sent") {
        row.append(receipt(item));
      } else {
        row.append(element("strong", { text: itemTitle(item) }));
        if (item.state === "waiting") row.append(element("span", { class: "state", text: W.waiting }));
        else row.append(element("span", { class: "state", text: `${W.refused} ${item.error || W.error}` }));
      }
      const tools = element("p", { class: "tools" });
      if (item.state === "refused") {
        tools.append(element("button", { type: "button", class: "link", "data-edit": item.key, text: W.edit }));
        tools.append(
          " ",
          element("button", { type: "button", class: "link", "data-discard": item.key, text: W.discard }),
        );
      } else if (item.state === "sent") {
        tools.append(element("button", { type: "button", class: "link", "data-discard": item.key, text: W.done }));
      }
      if (tools.childNodes.length) row.append(tools);
      list.append(row);
    }
    $("outbox").hidden = items.length === 0;
  }

  document.querySelector("#outbox .drafts").addEventListener("click", async (event) => {
    const key = event.target.dataset.discard || event.target.dataset.edit;
    if (!key) return;
    const item = (await Outbox.all()).find((i) => i.key === key);
    await Outbox.drop(key);
    if (item && event.target.dataset.edit) edit(item);
    await showOutbox();
    if (item && item.state === "sent" && item.kind !== "file" && location.hash === `#g/${item.number}`) route();
  });

  let pendingEdit = null; // a refused answer, rating or appeal on its way back into its form
  // A refused item goes back where it was written, with the server's reason.
  async function edit(item) {
    if (item.kind === "file") {
      restoreFile(item.fields, item.office, item.photos || []);
      await keepFile();
      location.hash = "#file";
      say($("file-error"), item.error);
    } else {
      pendingEdit = item;
      location.hash = `#g/${item.number}`;
      route();
    }
  }

  // --- filing -------------------------------------------------------------------------------------------
  const form = $("file-form");
  const FIELDS = ["subject", "description", "complainant_name", "complainant_phone", "complainant_address"];
  let office = null; // {code, name}
  let photos = []; // {name, blob, thumb}

  function fileFields() {
    const fields = {
      type: form.elements.type.value,
      channel: "mobile",
      office: office ? office.code : "",
      service: $("service").value,
    };
    for (const name of FIELDS) fields[name] = form.elements[name].value.trim();
    if (fields.type === "anonymous")
      for (const name of ["complainant_name", "complainant_phone", "complainant_address"]) fields[name] = "";
    return fields;
  }

  function restoreFile(fields, chosen, kept) {
    if (!fields) return;
    for (const name of FIELDS) if (fields[name] !== undefined) form.elements[name].value = fields[name];
    if (fields.type) form.elements.type.value = fields.type;
    showContact();
    photos = kept || [];
    showPhotos();
    if (chosen) choose(chosen, fields.service);
  }

  function keepFile() {
    return Outbox.keep("draft", { fields: fileFields(), office, photos });
  }

  function showContact() {
    $("contact").hidden = form.elements.type.value === "anonymous";
  }

  form.addEventListener("input", () => keepFile().catch(() => {}));
  form.addEventListener("change", (event) => {
    if (event.target.name === "type") showContact();
    if (event.target.name === "office") {
      const picked = event.target;
      choose({ code: picked.value, name: picked.dataset.name });
      $("office-results").hidden = true; // chosen: the list folds away; a new search brings it back
    }
    keepFile().catch(() => {});
  });

  async function searchOffices() {
    const words = $("office-search").value.trim();
    if (!words) return;
    say($("office-error"), "");
    let found;
    try {
      found = await api(`offices/?search=${encodeURIComponent(words)}&page_size=20`);
    } catch (error) {
      say($("office-error"), W.search_offline);
      return;
    }
    const choices = $("office-choices");
    choices.replaceChildren();
    const offices = (found.answer && found.answer.results) || [];
    for (const o of offices) {
      const name = officeName(o);
      const input = element("input", { type: "radio", name: "office", value: o.code, "data-name": name });
      choices.append(element("label", { class: "choice" }, input, ` ${name} (${o.code})`));
    }
    $("office-results").hidden = offices.length === 0;
    if (!offices.length) say($("office-error"), W.no_results);
  }
  $("office-find").addEventListener("click", searchOffices);
  $("office-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      searchOffices();
    }
  });

  async function choose(chosen, service) {
    office = chosen;
    say($("office-chosen"), `${W.office}: ${chosen.name} (${chosen.code})`);
    say($("office-error"), "");
    const select = $("service");
    select.replaceChildren(element("option", { value: "", text: W.no_service }));
    if (service) select.append(element("option", { value: service, text: "…" }));
    select.value = service || "";
    try {
      const listed = await api(`services/?office=${encodeURIComponent(chosen.code)}&page_size=200`);
      const services = (listed.answer && listed.answer.results) || [];
      select.replaceChildren(element("option", { value: "", text: W.no_service }));
      for (const s of services) select.append(element("option", { value: s.id, text: officeName(s) }));
      select.value = service && services.some((s) => String(s.id) === String(service)) ? String(service) : "";
      $("service-field").hidden = services.length === 0;
    } catch (error) {
      $("service-field").hidden = !service; // offline: keep what was chosen before
    }
  }

  // Photos are made small on the phone: a 12-megapixel photo becomes a few hundred kilobytes.
  async function shrink(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, T.photo_max_side / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    let blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", T.photo_quality));
    if (!blob || (scale === 1 && blob.size >= file.size && file.type === "image/jpeg")) blob = file;
    const thumbScale = Math.min(1, 160 / Math.max(canvas.width, canvas.height));
    const thumb = document.createElement("canvas");
    thumb.width = Math.max(1, Math.round(canvas.width * thumbScale));
    thumb.height = Math.max(1, Math.round(canvas.height * thumbScale));
    thumb.getContext("2d").drawImage(canvas, 0, 0, thumb.width, thumb.height);
    const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
    return { name, blob, thumb: thumb.toDataURL("image/jpeg", 0.6) };
  }

  $("photos").addEventListener("change", async (event) => {
    const input = event.target;
    const chosen = Array.from(input.files || []);
    input.value = "";
    say($("file-error"), "");
    for (const file of chosen) {
      if (photos.length >= T.max_photos) {
        say($("file-error"), fill(W.photos_max, { count: digits(T.max_photos) }));
        break;
      }
      try {
        photos.push(await shrink(file));
      } catch (error) {
        say($("file-error"), `${file.name}: ${W.photo_unreadable}`);
      }
    }
    showPhotos();
    await keepFile();
  });

  function showPhotos() {
    const list = $("photo-list");
    list.replaceChildren();
    photos.forEach((photo, index) => {
      const size = fill(W.photo_added, { size: digits(Math.max(1, Math.round(photo.blob.size / 1024))) });
      list.append(
        element(
          "li",
          { class: "photo" },
          element("img", { src: photo.thumb, alt: "" }),
          element("span", { text: `${photo.name} — ${size}` }),
          element("button", { type: "button", class: "link", "data-photo": index, text: W.remove }),
        ),
      );
    });
  }
  $("photo-list").addEventListener("click", async (event) => {
    if (event.target.dataset.photo === undefined) return;
    photos.splice(Number(event.target.dataset.photo), 1);
    showPhotos();
    await keepFile();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = fileFields();
    if (!office) {
      say($("office-error"), W.choose_office);
      $("office-search").focus();
      return;
    }
    for (const name of ["subject", "description"]) {
      if (!fields[name]) {
        say($("file-error"), `${form.querySelector(`label[for=${name}]`).textContent}: ${W.required}`);
        return form.elements[name].focus();
      }
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say($("file-error"), navigator.onLine ? W.sending : "");
    const item = {
      key: Outbox.newKey(),
      kind: "file",
      state: "waiting",
      created: Date.now(),
      language: T.language,
      label: fields.subject,
      fields,
      office,
      photos,
    };
    try {
      await Outbox.put(item);
      await Outbox.forget("draft");
      if (navigator.onLine) await flush();
      const after = (await Outbox.all()).find((i) => i.key === item.key);
      if (after && after.state === "refused") {
        // Said no at once: the grievance goes back into the form, with the reason.
        await Outbox.drop(item.key);
        await keepFile();
        say($("file-error"), after.error || W.error);
      } else {
        form.reset();
        office = null;
        photos = [];
        showPhotos();
        showContact();
        prefillPhone();
        say($("office-chosen"), "");
        $("office-results").hidden = true;
        $("service-field").hidden = true;
        say($("file-error"), after && after.state === "waiting" ? W.queued : "");
        await showOutbox();
        $("outbox").scrollIntoView();
      }
    } finally {
      button.disabled = false;
    }
  });

  function prefillPhone() {
    const signed = session();
    if (signed && !form.elements.complainant_phone.value) form.elements.complainant_phone.value = signed.phone;
  }

  // --- my grievances --------------------------------------------------------------------------------------
  const seen = () => local.get("seen", {});
  function markSeen(n, status, events) {
    const all = seen();
    all[n] = { status, events };
    local.set("seen", all);
  }

  async function showMine() {
    const note = $("mine-note");
    const list = $("mine-list");
    const signed = session();
    let rows = null;
    say(note, W.loading);
    if (signed) {
      try {
        const got = await api("citizen/grievances/?page_size=200", { token: signed.token });
        if (got.status === 401) {
          local.drop("session");
          list.replaceChildren();
          return say(note, W.session_ended);
        }
        if (got.ok) {
          rows = got.answer.results;
          local.set("mine", { at: Date.now(), rows });
        }
      } catch (error) {
        /* offline: what the phone kept */
      }
    }
    // Grievances this phone filed that the sign-in does not list (anonymous ones, or no sign-in).
    const listed = new Set((rows || []).map((r) => r.tracking_number));
    const others = Object.entries(known()).filter(([n]) => !listed.has(n));
    const extra = [];
    for (const [n, mine] of others) {
      try {
        const got = await api(`track/${encodeURIComponent(n)}/`, { method: "POST", body: mine.proof });
        if (got.ok) {
          extra.push({ ...got.answer, subject: mine.subject });
          local.set(`g-${n}`, { at: Date.now(), grievance: { ...got.answer, subject: mine.subject } });
        }
      } catch (error) {
        const cached = local.get(`g-${n}`, null);
        if (cached) extra.push(cached.grievance);
      }
    }
    let shown = rows;
    let stale = null;
    if (rows === null && signed) {
      const cached = local.get("mine", null);
      shown = cached ? cached.rows : [];
      stale = cached ? cached.at : 0;
    }
    shown = [...(shown || []), ...extra];
    list.replaceChildren();
    for (const g of shown) list.append(row(g));
    if (stale !== null) say(note, `${W.load_failed} ${stale ? fill(W.saved_at, { when: moment(stale) }) : ""}`);
    else if (!signed && !shown.length) say(note, W.sign_in_first);
    else if (!shown.length) say(note, W.none_yet);
    else say(note, signed ? "" : W.sign_in_first);
  }

  function row(g) {
    const before = seen()[g.tracking_number];
    const changed = before && before.status !== g.status;
    const link = element(
      "a",
      { href: `#g/${g.tracking_number}` },
      element("strong", { text: g.subject || number(g.tracking_number) }),
    );
    const item = element("li", { class: `card result${g.overdue ? " overdue" : ""}` }, link);
    if (changed) item.append(" ", element("span", { class: "badge", text: W.updated }));
    item.append(
      element("p", { class: "meta", text: `${number(g.tracking_number)} · ${T.statuses[g.status] || g.status}` }),
      element("p", {
        class: "meta",
        text: `${officeName({ name_en: g.office_name_en, name_bn: g.office_name_bn })} · ${W.due}: ${day(g.due_date)}`,
      }),
    );
    if (g.overdue) item.append(element("strong", { class: "flag", text: W.overdue }));
    return item;
  }

  $("mine-refresh").addEventListener("click", showMine);

  // --- one grievance ----------------------------------------------------------------------------------------
  async function showGrievance(n) {
    const note = $("grievance-note");
    $("grievance-heading").textContent = number(n);
    say(note, W.loading);
    const signed = session();
    const mine = known()[n];
    let got = null;
    try {
      if (signed) got = await api(`citizen/grievances/${encodeURIComponent(n)}/`, { token: signed.token });
      if ((!got || !got.ok) && mine)
        got = await api(`track/${encodeURIComponent(n)}/`, { method: "POST", body: mine.proof });
    } catch (error) {
      got = null;
    }
    let g = null;
    if (got && got.ok) {
      g = { ...got.answer, subject: got.answer.subject || (mine && mine.subject) };
      local.set(`g-${n}`, { at: Date.now(), grievance: g });
      say(note, "");
    } else if (got) {
      say(note, got.status === 404 ? W.not_found : Outbox.reason(got.answer) || W.error);
    } else {
      const cached = local.get(`g-${n}`, null);
      g = cached && cached.grievance;
      say(note, g ? `${W.load_failed} ${fill(W.saved_at, { when: moment(cached.at) })}` : W.load_failed);
    }
    const facts = $("grievance-facts");
    const timeline = $("grievance-timeline");
    const actions = $("grievance-actions");
    facts.replaceChildren();
    timeline.replaceChildren();
    actions.replaceChildren();
    if (!g) return;
    markSeen(n, g.status, (g.events || []).length);
    $("grievance-heading").textContent = g.subject ? `${g.subject} — ${number(n)}` : number(n);
    const fact = (term, value) => facts.append(element("dt", { text: term }), element("dd", {}, value));
    const status = element("strong", { class: "status", text: T.statuses[g.status] || g.status });
    fact(W.tracking_number, number(n));
    fact(W.status, status);
    fact(W.holding, officeName({ name_en: g.office_name_en, name_bn: g.office_name_bn }));
    fact(W.submitted, day(g.submitted_at));
    const due = element("span", { text: day(g.due_date) });
    if (g.overdue) due.append(" ", element("strong", { class: "flag", text: W.overdue }));
    fact(W.due, due);
    for (const e of g.events || []) {
      timeline.append(
        element(
          "li",
          {},
          element("strong", { text: T.events[e.kind] || e.kind }),
          element("time", { datetime: e.at, text: moment(e.at) }),
          e.note ? element("p", { text: e.note }) : null,
        ),
      );
    }
    await showActions(n, g, actions);
  }

  async function showActions(n, g, box) {
    const proof = proofFor(n);
    if (!proof) return;
    const waiting = (await Outbox.all()).filter((i) => i.number === n && i.state === "waiting");
    for (const item of waiting) box.append(element("p", { class: "notice", text: `${itemTitle(item)}: ${W.waiting}` }));
    const kinds = [];
    if (g.status === "awaiting_info") kinds.push("reply");
    if (g.status === "resolved") kinds.push("feedback");
    if (["resolved", "rejected"].includes(g.status) || (g.overdue && OPEN.includes(g.status))) kinds.push("appeal");
    for (const kind of kinds) {
      if (waiting.some((i) => i.kind === kind)) continue;
      const piece = $(`${kind}-form`).content.cloneNode(true);
      const actionForm = piece.querySelector("form");
      actionForm.querySelector(".intro").textContent = W[`${kind === "feedback" ? "rate" : kind}_intro`];
      actionForm.querySelectorAll(".stars label").forEach((label) => {
        label.lastChild.textContent = ` ${digits(label.querySelector("input").value)}`;
      });
      if (pendingEdit && pendingEdit.number === n && pendingEdit.kind === kind) {
        for (const [name, value] of Object.entries(pendingEdit.fields)) {
          const field = actionForm.elements[name];
          if (field && field.length && field[0] && field[0].type === "radio") field.value = String(value);
          else if (field) field.value = value;
        }
        say(actionForm.querySelector(".errorlist"), pendingEdit.error);
        pendingEdit = null;
      }
      actionForm.addEventListener("submit", (event) => act(event, n, kind, proof));
      box.append(piece);
    }
  }

  async function act(event, n, kind, proof) {
    event.preventDefault();
    const actionForm = event.target;
    const error = actionForm.querySelector(".errorlist");
    const fields = {};
    for (const field of actionForm.querySelectorAll("textarea, input:checked")) fields[field.name] = field.value.trim();
    if (kind === "feedback") {
      if (!fields.rating) return say(error, W.rating_required);
      fields.rating = Number(fields.rating);
    } else {
      const name = kind === "reply" ? "answer" : "reason";
      if (!fields[name]) return say(error, W.required);
    }
    const button = actionForm.querySelector("button[type=submit]");
    button.disabled = true;
    say(error, "");
    const item = {
      key: Outbox.newKey(),
      kind,
      number: n,
      proof,
      fields,
      state: "waiting",
      created: Date.now(),
      language: T.language,
    };
    await Outbox.put(item);
    if (navigator.onLine) await flush();
    else await showOutbox();
    const after = (await Outbox.all()).find((i) => i.key === item.key);
    if (after && after.state === "refused") {
      await Outbox.drop(item.key);
      await showOutbox();
      button.disabled = false;
      return say(error, after.error || W.error);
    }
    if (after && after.state === "waiting") {
      flush().catch(() => {}); // asks the browser to send it from the background too
      actionForm.replaceWith(
        element("p", { class: "notice", role: "status", text: `${itemTitle(after)}: ${W.queued}` }),
      );
      return;
    }
    await showGrievance(n);
  }

  // --- signing in -----------------------------------------------------------------------------------------
  const phoneForm = $("phone-form");
  const codeForm = $("code-form");
  let codePhone = "";

  function showAccount() {
    const signed = session();
    say($("account-state"), signed ? fill(W.signed_in_as, { phone: digits(signed.phone) }) : "");
    phoneForm.hidden = Boolean(signed) || Boolean(codePhone);
    codeForm.hidden = Boolean(signed) || !codePhone;
    $("sign-out").hidden = !signed;
  }

  phoneForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = phoneForm.querySelector(".errorlist");
    const phone = phoneForm.elements.phone.value.trim();
    if (!phone) return say(error, W.required);
    try {
      const got = await api("citizen/otp/", { method: "POST", body: { phone } });
      if (!got.ok) return say(error, Outbox.reason(got.answer) || W.error);
      codePhone = phone;
      say(error, "");
      showAccount();
      say($("account-state"), fill(W.code_sent, { phone: digits(phone) }));
      codeForm.elements.code.focus();
    } catch (failure) {
      say(error, W.offline);
    }
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = codeForm.querySelector(".errorlist");
    const code = codeForm.elements.code.value.trim();
    if (!code) return say(error, W.required);
    try {
      const got = await api("citizen/session/", { method: "POST", body: { phone: codePhone, code } });
      if (!got.ok) return say(error, Outbox.reason(got.answer) || W.error);
      local.set("session", got.answer);
      codePhone = "";
      codeForm.reset();
      say(error, "");
      prefillPhone();
      location.hash = "#mine";
    } catch (failure) {
      say(error, W.offline);
    }
  });

  $("sign-out").addEventListener("click", async () => {
    const signed = session();
    if (signed) api("citizen/session/", { method: "DELETE", token: signed.token }).catch(() => {});
    // What the sign-in showed goes with it; what this phone filed anonymously and still has to send stays.
    for (const name of Object.keys(localStorage))
      if (name === "grs-mine" || name.startsWith("grs-g-")) localStorage.removeItem(name);
    local.drop("session");
    local.drop("seen");
    showAccount();
  });

  // --- views ------------------------------------------------------------------------------------------------
  function route() {
    const hash = location.hash || "#file";
    const asked = hash.startsWith("#g/") ? "grievance" : hash.slice(1);
    const view = ["file", "mine", "grievance", "account"].includes(asked) ? asked : "file";
    for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.dataset.view !== view;
    for (const tab of document.querySelectorAll("[data-tab]")) {
      if (tab.dataset.tab === (view === "grievance" ? "mine" : view)) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    if (view === "mine") showMine();
    if (view === "grievance") showGrievance(decodeURIComponent(hash.slice(3)));
    if (view === "account") showAccount();
  }

  window.addEventListener("hashchange", route);
  window.addEventListener("online", async () => {
    showConnection();
    await flush();
    refreshView();
  });
  window.addEventListener("offline", showConnection);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(T.sw, { scope: T.scope }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data === "outbox") showOutbox().then(refreshView);
    });
  }
  // While anything waits, try again now and then: "online" is not fired when a link merely comes back to life.
  setInterval(async () => {
    if (!navigator.onLine) return;
    if ((await Outbox.all()).some((i) => i.state === "waiting") && (await flush()).answered) refreshView();
  }, 30000);
  // The list on screen follows the offices' work while the app is open.
  setInterval(() => {
    if (navigator.onLine && location.hash === "#mine" && !document.hidden) showMine();
  }, 120000);

  (async () => {
    showConnection();
    const draft = await Outbox.kept("draft").catch(() => null);
    if (draft) restoreFile(draft.fields, draft.office, draft.photos);
    prefillPhone();
    showContact();
    await showOutbox();
    route();
    if (navigator.onLine && (await flush().catch(() => ({}))).answered) refreshView();
  })();
})();
