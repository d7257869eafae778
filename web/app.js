/* app.js - Mutua's web page for a member's staff: plain JavaScript, no
 * build step, nothing loaded from elsewhere (the node's CSP allows 'self'
 * only). Every figure and every refusal comes from the node's JSON API
 * (node/web.c), which calls the same ledger rules as the mutua CLI.
 * Language: French unless the browser prefers English; the page's words
 * are web/strings.json's, translated by the node from the same message
 * catalogue as the CLI's (po/fr.po, msgctxt "web:KEY"; /api/strings);
 * times in the browser's local time with their UTC offset; numbers in the
 * language's style (a decimal comma in French). */
"use strict";


/* French unless the browser lists English before French */
function pickLang() {
  for (const l of navigator.languages || [navigator.language || "fr"]) {
    const p = l.slice(0, 2).toLowerCase();
    if (p === "en" || p === "fr") return p;
  }
  return "fr";
}
const LANG = pickLang();
let T = {}; /* KEY: the words in LANG (loadStrings) */
const t = (k) => T[k] || k;

/* The page's words from the node, in the language it reads from the
 * browser's; the English of web/strings.json when the node cannot say. */
async function loadStrings() {
  for (const url of ["/api/strings", "strings.json"]) {
    try {
      const r = await fetch(url, { headers: { "Accept-Language": LANG } });
      if (r.ok) return await r.json();
    } catch (e) { /* the next one */ }
  }
  return {};
}

let me = null; /* {name, email, csrf, ...} once signed in */

/* ---- formatting ---- */
const numFmt = new Intl.NumberFormat(LANG === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 2 });
const dateFmt = new Intl.DateTimeFormat(LANG === "fr" ? "fr-FR" : "en-GB",
  { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
function offset(d) {
  const m = -d.getTimezoneOffset(), a = Math.abs(m);
  return "UTC" + (m < 0 ? "−" : "+") + String(Math.floor(a / 60)).padStart(2, "0") + ":" + String(a % 60).padStart(2, "0");
}
function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? iso : dateFmt.format(d) + " (" + offset(d) + ")";
}
const dayFmt = new Intl.DateTimeFormat(LANG === "fr" ? "fr-FR" : "en-GB",
  { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const num = (v) => (v === null || v === undefined || v === "") ? "" : numFmt.format(Number(v));
const state = (s) => t("state." + s) === "state." + s ? s : t("state." + s);

/* ---- the DOM, built without innerHTML (no markup from data) ---- */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false)
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
const view = () => document.getElementById("view");
function show(...nodes) {
  view().replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
  document.getElementById("status").textContent = "";
}
function say(msg) { document.getElementById("status").textContent = msg; }
function errorBox() { return el("p", { class: "error", role: "alert" }); }
function fail(box, e) {
  box.textContent = e.error ? e.error + (e.hint ? " — " + e.hint : "") : t("err.network");
}

/* ---- the API ---- */
async function api(path, body) {
  /* the node's refusals in the page's language */
  const opts = { credentials: "same-origin", headers: { "Accept-Language": LANG } };
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    if (me) opts.headers["X-CSRF-Token"] = me.csrf;
    opts.body = JSON.stringify(body);
  }
  let r;
  try { r = await fetch(path, opts); } catch (e) { throw { error: t("err.network") }; }
  let data = {};
  try { data = await r.json(); } catch (e) { data = { error: t("err.network") }; }
  if (me && r.status === 401) {
    /* the session ended: expired, signed out elsewhere, or revoked */
    me = null;
    navSignedIn(false);
    if (!location.hash.startsWith("#setup=")) loginView(data.error);
    throw Object.assign(data, { handled: true });
  }
  if (!r.ok) throw Object.assign(data, { status: r.status });
  return data;
}

/* ---- sign-in ---- */
function navSignedIn(on) {
  document.getElementById("nav").hidden = !on;
  document.getElementById("who").textContent = on ? me.name : "";
}

function loginView(message) {
  const box = errorBox();
  if (message) box.textContent = message;
  const email = el("input", { type: "email", id: "email", name: "email", autocomplete: "username", required: true });
  const pw = el("input", { type: "password", id: "password", name: "password", autocomplete: "current-password", required: true });
  const form = el("form", { class: "narrow", id: "login", novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    box.textContent = "";
    try {
      me = await api("/api/login", { email: email.value, password: pw.value });
      pw.value = "";
      navSignedIn(true);
      if (location.hash === "#catalogue") route(); else location.hash = "#catalogue";
    } catch (e) { fail(box, e); }
  } } },
    el("label", { for: "email" }, t("login.email"), email),
    el("label", { for: "password" }, t("login.password"), pw),
    el("button", { type: "submit" }, t("login.submit")), box);
  show(el("h1", {}, t("login.title")), form);
}

function setupView(token) {
  const box = errorBox();
  const pw = el("input", { type: "password", id: "pw1", autocomplete: "new-password", minlength: "10", required: true });
  const again = el("input", { type: "password", id: "pw2", autocomplete: "new-password", minlength: "10", required: true });
  const form = el("form", { class: "narrow", id: "setup", novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    if (pw.value.length < 10) return void (box.textContent = t("setup.short"));
    if (pw.value !== again.value) return void (box.textContent = t("setup.mismatch"));
    try {
      me = await api("/api/setup", { token, password: pw.value });
      pw.value = again.value = "";
      history.replaceState(null, "", "#catalogue");
      navSignedIn(true);
      route();
    } catch (e) { fail(box, e); }
  } } },
    el("p", {}, t("setup.intro")),
    el("label", { for: "pw1" }, t("setup.password"), pw),
    el("label", { for: "pw2" }, t("setup.again"), again),
    el("button", { type: "submit" }, t("setup.submit")), box);
  show(el("h1", {}, t("setup.title")), form);
}

/* ---- the catalogue ---- */
const KINDS = ["vehicle", "storage", "skill", "equipment", "room", "other"];
const unit = (u) => t("unit." + u) === "unit." + u ? u : t("unit." + u);
/* a datetime-local value (the browser's local time) as ms */
const ms = (v) => v ? new Date(v).getTime() : null;

function offerCard(o) {
  const slot = o.slot ? el("p", { class: "meta" }, el("span", { class: "badge" },
    o.slot === "free" ? t("offer.free") : t("offer.slotpending"))) : null;
  return el("li", { class: "card" },
    el("h2", {}, el("a", { href: "#offer/" + o.id }, o.title)),
    el("p", { class: "meta" }, t("kind." + o.kind), " · ", o.owner_name, o.location ? " · " + o.location : ""),
    el("p", { class: "meta" }, num(o.rate), " ", t("offer.per"), " ", unit(o.unit)),
    slot);
}

async function catalogueView(params) {
  const p = new URLSearchParams(params || "");
  const box = errorBox();
  const q = el("input", { id: "q", name: "q", type: "search", value: p.get("q") || "" });
  const kind = el("select", { id: "kind", name: "kind" }, el("option", { value: "" }, t("cat.any")),
    KINDS.map((k) => el("option", { value: k, selected: p.get("kind") === k }, t("kind." + k))));
  const place = el("input", { id: "place", name: "place", value: p.get("place") || "" });
  const from = el("input", { id: "from", name: "from", type: "datetime-local", value: p.get("from") || "" });
  const to = el("input", { id: "to", name: "to", type: "datetime-local", value: p.get("to") || "" });
  const list = el("ul", { class: "cards", id: "offers" });
  const count = el("p", { class: "muted", id: "count" });
  const form = el("form", { class: "grid", role: "search", on: { submit: (ev) => {
    ev.preventDefault();
    const np = new URLSearchParams();
    for (const [k, i] of [["q", q], ["kind", kind], ["place", place], ["from", from], ["to", to]])
      if (i.value) np.set(k, i.value);
    location.hash = "#catalogue" + (np.toString() ? "?" + np : "");
  } } },
    el("label", { for: "q" }, t("cat.q"), q), el("label", { for: "kind" }, t("cat.kind"), kind),
    el("label", { for: "place" }, t("cat.place"), place),
    el("label", { for: "from" }, t("cat.from"), from), el("label", { for: "to" }, t("cat.to"), to),
    el("button", { type: "submit", id: "search" }, t("cat.search")));
  show(el("h1", {}, t("cat.title")), form, box, count, list);
  const api_p = new URLSearchParams();
  for (const k of ["q", "kind", "place"]) if (p.get(k)) api_p.set(k, p.get(k));
  if (p.get("from") && p.get("to")) { api_p.set("from", ms(p.get("from"))); api_p.set("to", ms(p.get("to"))); }
  try {
    const offers = await api("/api/offers?" + api_p);
    count.textContent = offers.length ? offers.length + " " + t("cat.count") : t("cat.none");
    list.replaceChildren(...offers.map(offerCard));
  } catch (e) { if (!e.handled) fail(box, e); }
}

/* ---- one offer: its terms, its month, borrowing ---- */
function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(([, v]) => v !== "" && v !== null && v !== undefined)
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function table(cols, rows, id) {
  return el("table", { id },
    el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, cols.map((c) =>
      el("td", { "data-label": c.label, class: c.num ? "num" : null }, c.value(r)))))));
}

async function offerView(id) {
  const box = errorBox();
  show(el("p", {}, t("loading")));
  let d;
  try { d = await api("/api/offer?id=" + encodeURIComponent(id)); } catch (e) {
    if (!e.handled) { show(box); fail(box, e); }
    return;
  }
  const o = d.offer[0];
  if (!o) { show(box); box.textContent = "?"; return; }
  const hasTerms = o.conditions || Number(o.deposit) > 0 || o.requires;
  const from = el("input", { id: "bfrom", type: "datetime-local", required: true });
  const to = el("input", { id: "bto", type: "datetime-local", required: true });
  const qty = el("input", { id: "bqty", type: "number", min: "1", max: String(o.capacity), value: "1" });
  const note = el("textarea", { id: "bnote", rows: "2", maxlength: "500" });
  const confirm = hasTerms ? el("input", { id: "bconfirm", type: "checkbox" }) : null;
  const result = el("p", { role: "status", class: "ok", id: "borrowed" });
  const form = el("form", { class: "grid", id: "borrow", on: { submit: async (ev) => {
    ev.preventDefault();
    box.textContent = result.textContent = "";
    if (!from.value || !to.value) return void (box.textContent = t("offer.missing"));
    try {
      const r = await api("/api/borrow", { resource: o.id, from: ms(from.value), to: ms(to.value),
        quantity: Number(qty.value || 1), note: note.value, confirm: !!(confirm && confirm.checked) });
      result.replaceChildren(t("offer.sent") + " " + r.id.slice(0, 12) + " — ", el("a", { href: "#mine" }, t("offer.see")));
    } catch (e) { if (!e.handled) fail(box, e); }
  } } },
    el("label", { for: "bfrom" }, t("offer.from"), from), el("label", { for: "bto" }, t("offer.to"), to),
    el("label", { for: "bqty" }, t("offer.quantity"), qty),
    el("label", { for: "bnote" }, t("offer.note"), note),
    confirm ? el("label", { class: "check", for: "bconfirm" }, confirm, t("offer.confirm")) : null,
    el("button", { type: "submit", id: "send" }, t("offer.send")));
  const cal = d.calendar.length ? table([
    { label: t("cal.from"), value: (r) => when(r.from) }, { label: t("cal.to"), value: (r) => when(r.to) },
    { label: t("cal.who"), value: (r) => r.borrower_name || "" },
    { label: t("cal.state"), value: (r) => state(r.state) }, { label: t("cal.reason"), value: (r) => r.reason || "" }],
  d.calendar, "calendar") : el("p", { class: "muted" }, t("offer.cal.none"));
  show(el("p", {}, el("a", { href: "#catalogue" }, t("offer.back"))),
    el("h1", {}, o.title),
    facts([[t("offer.owner"), o.owner_name], [t("cat.kind"), t("kind." + o.kind)],
      [t("offer.rate"), num(o.rate) + " " + t("offer.per") + " " + unit(o.unit)],
      [t("offer.capacity"), num(o.capacity)], [t("offer.location"), o.location],
      [t("offer.description"), o.description], [t("offer.conditions"), o.conditions],
      [t("offer.deposit"), Number(o.deposit) > 0 ? num(o.deposit) : ""], [t("offer.requires"), o.requires]]),
    el("h2", {}, t("offer.calendar"), " — ", dayFmt.format(new Date(d.from)), " → ",
      dayFmt.format(new Date(d.to))),
    cal, d.pending ? el("p", { class: "muted" }, d.pending + " " + t("offer.pending")) : null,
    el("h2", {}, t("offer.borrow")), form, box, result, subscribeBox({ resource: o.id }));
}

/* ---- requests ---- */
async function requestsView(dir) {
  const box = errorBox();
  const incoming = dir === "incoming";
  show(el("h1", {}, t(incoming ? "req.incoming" : "req.mine")), box,
    incoming ? null : subscribeBox({ mine: true }));
  let rows;
  try { rows = await api("/api/requests?dir=" + dir); } catch (e) { if (!e.handled) fail(box, e); return; }
  if (!rows.length) return void view().append(el("p", { class: "muted" }, t("req.none")));
  const actions = (r) => {
    const links = [el("a", { href: "#request/" + r.id }, t("req.details"))];
    if ((r.can || []).includes("accept")) {
      const answer = (accept) => async () => {
        box.textContent = "";
        try {
          await api(accept ? "/api/accept" : "/api/decline", { id: r.id });
          await requestsView(dir);
          say(t(accept ? "req.accepted" : "req.declined"));
        } catch (e) { if (!e.handled) fail(box, e); }
      };
      links.push(el("button", { type: "button", class: "accept", on: { click: answer(true) } }, t("req.accept")),
        el("button", { type: "button", class: "danger decline", on: { click: answer(false) } }, t("req.decline")));
    }
    for (const st of (r.can || []).filter((x) => x !== "accept" && x !== "decline"))
      links.push(el("a", { href: "#request/" + r.id + "/" + st, class: "todo step-" + st }, t("do." + st)));
    return el("span", { class: "actions" }, links);
  };
  view().append(table([
    { label: t("req.resource"), value: (r) => r.resource_title },
    { label: t("req.other"), value: (r) => incoming ? r.borrower_name : r.owner_name },
    { label: t("req.from"), value: (r) => when(r.from) }, { label: t("req.to"), value: (r) => when(r.to) },
    { label: t("req.state"), value: (r) => state(r.state) + (r.reason ? " — " + r.reason : "") },
    { label: t("req.credits"), value: (r) => num(r.credits), num: true },
    { label: t("req.actions"), value: actions }], rows, "requests"));
}

/* a condition report's cells: meter, fuel, damage */
function reportText(x) {
  const parts = [];
  if (x.meter !== null && x.meter !== undefined) parts.push(t("rep.meter") + " " + num(x.meter));
  if (x.fuel !== null && x.fuel !== undefined) parts.push(t("rep.fuel") + " " + num(x.fuel) + " %");
  if (x.damage) parts.push(t("rep.damage") + (LANG === "fr" ? "\u00a0: " : ": ") + x.damage);
  return parts.join(" · ");
}

const FUEL = [["", "rep.fuel.none"], ["full", "rep.fuel.full"], ["3/4", "3/4"], ["1/2", "1/2"],
  ["1/4", "1/4"], ["empty", "rep.fuel.empty"]];

/* The form of one step the member may take (the node says which: "can",
 * from the ledger's table): its note, and as the CLI has them the
 * condition report (handover, return, close), the usage (return, close)
 * and the deposit kept (close). */
function stepForm(r, step, box, done) {
  const id = (f) => step + "-" + f;
  const report = ["handover", "return", "close"].includes(step);
  const usage = ["return", "close"].includes(step);
  const note = el("textarea", { id: id("note"), rows: "2", maxlength: "1000", required: step === "dispute" });
  const meter = report ? el("input", { id: id("meter"), type: "number", min: "0", step: "1", inputmode: "numeric" }) : null;
  const fuel = report ? el("select", { id: id("fuel") }, FUEL.map(([v, k]) => el("option", { value: v }, t(k)))) : null;
  const damage = report ? el("textarea", { id: id("damage"), rows: "2", maxlength: "1000" }) : null;
  const use = usage ? el("input", { id: id("usage"), inputmode: "decimal" }) : null;
  const forfeit = step === "close" && r.deposit ? el("input", { id: id("forfeit"), inputmode: "decimal" }) : null;
  const dec = (v) => v.trim().replace(",", ".");
  const form = el("form", { class: "grid step", id: id("form"), on: { submit: async (ev) => {
    ev.preventDefault();
    box.textContent = "";
    const body = { id: r.id, step, note: note.value };
    if (meter && meter.value !== "") body.meter = meter.value;
    if (fuel && fuel.value) body.fuel = fuel.value;
    if (damage && damage.value) body.damage = damage.value;
    if (use && use.value) body.usage = dec(use.value);
    if (forfeit && forfeit.value) body.forfeit = dec(forfeit.value);
    try {
      await api("/api/step", body);
      await done();
      say(t("done." + step));
    } catch (e) { if (!e.handled) fail(box, e); }
  } } },
    report ? el("label", { for: id("meter") }, t("rep.meter"), meter) : null,
    report ? el("label", { for: id("fuel") }, t("rep.fuel"), fuel) : null,
    report ? el("label", { for: id("damage") }, t("rep.damage"), damage) : null,
    usage ? el("label", { for: id("usage") }, t("rep.usage") + (r.unit ? " — " + unit(r.unit) : ""), use) : null,
    forfeit ? el("label", { for: id("forfeit") }, t("rep.forfeit"), forfeit) : null,
    el("label", { for: id("note") }, t(step === "dispute" ? "rep.reason" : "rep.note"), note),
    el("button", { type: "submit", id: "do-" + step, class: step === "dispute" || step === "cancel" ? "danger" : null },
      t("do." + step)));
  return el("section", { "aria-labelledby": id("h") }, el("h3", { id: id("h") }, t("do." + step)), form);
}

async function requestView(id, focus) {
  const box = errorBox();
  show(el("p", {}, t("loading")));
  let d;
  try { d = await api("/api/request?id=" + encodeURIComponent(id)); } catch (e) {
    if (!e.handled) { show(box); fail(box, e); }
    return;
  }
  const r = d.request[0];
  if (!r) return void show(el("p", {}, "?"));
  const reload = () => requestView(id);
  const forms = (r.can || []).filter((st) => st !== "accept" && st !== "decline")
    .map((st) => stepForm(r, st, box, reload));
  show(el("h1", {}, t("req.title"), " — ", r.resource_title),
    facts([[t("offer.owner"), r.owner_name], [t("cal.who"), r.borrower_name],
      [t("req.from"), when(r.from)], [t("req.to"), when(r.to)], [t("offer.quantity"), num(r.quantity)],
      [t("req.state"), el("span", { id: "state" }, state(r.state))], [t("cal.reason"), r.reason],
      [t("req.usage"), r.usage !== null && r.usage !== undefined ? num(r.usage) + " " + unit(r.unit) : ""],
      [t("req.credits"), num(r.credits)], [t("offer.deposit"), r.deposit ? num(r.deposit) : ""]]),
    el("h2", {}, t("req.steps")),
    table([{ label: t("req.time"), value: (s) => when(s.time) },
      { label: t("req.step"), value: (s) => t("step." + s.step) === "step." + s.step ? s.step : t("step." + s.step) },
      { label: t("req.by"), value: (s) => s.by_staff ? s.by_staff.name + " (" + s.by + ")" : s.by },
      { label: t("req.report"), value: (s) => reportText(s) },
      { label: t("req.usage"), value: (s) => s.usage !== null && s.usage !== undefined ? num(s.usage) : "" },
      { label: t("req.note"), value: (s) => s.note || "" }, { label: t("req.verdict"), value: (s) => s.verdict || "" }],
    r.steps || [], "steps"),
    forms.length ? el("h2", {}, t("req.todo")) : null, ...forms, box);
  const f = focus && document.getElementById(focus + "-form");
  if (f) { f.scrollIntoView(); f.querySelector("input, select, textarea, button").focus(); }
}

/* ---- proposals and votes (the admin role) ---- */
const PARAMS = ["credit-limit", "threshold", "quorum", "duration", "close-grace", "open-proposals",
  "reason-max", "entries-per-day", "bytes-per-day"];
/* "set credit-limit 750.50" (the view's words) in the reader's */
function proposalWhat(p) {
  const m = p.kind === "set" && /^set (\S+) (.*)$/.exec(p.what || "");
  if (!m) return p.what;
  const label = t("param." + m[1]) === "param." + m[1] ? m[1] : t("param." + m[1]);
  return label + (LANG === "fr" ? "\u00a0: " : ": ") + (/^-?\d+(\.\d+)?$/.test(m[2]) ? num(m[2]) : m[2]);
}
const pstate = (s) => t("pstate." + s) === "pstate." + s ? s : t("pstate." + s);

function proposalsTable(rows, id) {
  return table([
    { label: t("gov.what"), value: (p) => el("a", { href: "#proposal/" + p.id }, proposalWhat(p)) },
    { label: t("gov.proposer"), value: (p) => p.proposer_name || "" },
    { label: t("gov.yes"), value: (p) => num(p.yes), num: true },
    { label: t("gov.no"), value: (p) => num(p.no), num: true },
    { label: t("gov.abstain"), value: (p) => num(p.abstain), num: true },
    { label: t("gov.deadline"), value: (p) => when(p.deadline) },
    { label: t("gov.state"), value: (p) => pstate(p.state) }], rows, id);
}

async function proposalsView() {
  const box = errorBox();
  show(el("h1", {}, t("gov.title")), box);
  let rows;
  try { rows = await api("/api/proposals"); } catch (e) { if (!e.handled) fail(box, e); return; }
  const open = rows.filter((p) => p.state === "open"), closed = rows.filter((p) => p.state !== "open");
  view().append(el("h2", {}, t("gov.open")),
    open.length ? proposalsTable(open, "open-proposals") : el("p", { class: "muted" }, t("gov.none")),
    el("h2", {}, t("gov.closed")),
    closed.length ? proposalsTable(closed, "closed-proposals") : el("p", { class: "muted" }, t("gov.none")));
  if (!me.admin) return void view().append(el("p", { class: "muted", id: "adminonly" }, t("gov.adminonly")));
  const param = el("select", { id: "gparam" }, PARAMS.map((p) => el("option", { value: p }, t("param." + p))));
  const value = el("input", { id: "gvalue", required: true, "aria-describedby": "gvalue-hint" });
  const reason = el("textarea", { id: "greason", rows: "2", maxlength: "1000" });
  const fbox = errorBox();
  const form = el("form", { class: "grid", id: "propose", on: { submit: async (ev) => {
    ev.preventDefault();
    fbox.textContent = "";
    try {
      const r = await api("/api/propose", { param: param.value, value: value.value.trim().replace(",", "."),
        reason: reason.value });
      location.hash = "#proposal/" + r.id;
      say(t("gov.sent"));
    } catch (e) { if (!e.handled) fail(fbox, e); }
  } } },
    el("label", { for: "gparam" }, t("gov.param"), param),
    el("label", { for: "gvalue" }, t("gov.value"), value, el("span", { id: "gvalue-hint", class: "muted" }, t("gov.value.hint"))),
    el("label", { for: "greason" }, t("gov.reason"), reason),
    el("button", { type: "submit", id: "send-proposal" }, t("gov.send")));
  view().append(el("h2", {}, t("gov.new")),
    el("details", { open: true, id: "kind-set" }, el("summary", {}, t("gov.kind.set")), form, fbox),
    ...PROPOSAL_KINDS.map(proposalForm));
}

/* the other kinds, each with only the fields it takes (mutua propose KIND) */
const PROPOSAL_KINDS = [
  { kind: "admit", fields: [["card", "textarea", true], ["college", "input", false]] },
  { kind: "exclude", fields: [["member", "input", true]] },
  { kind: "rekey", fields: [["member", "input", true], ["card", "textarea", true], ["upto", "input", false]] },
  { kind: "settle", fields: [["request", "input", true], ["usage", "input", true], ["forfeit", "input", false]] },
];
const DECIMAL_FIELDS = ["usage", "forfeit"];

function proposalForm(k) {
  const id = (f) => "g" + k.kind + "-" + f;
  const inputs = k.fields.map(([f, tag, required]) => {
    const attrs = { id: id(f), name: f };
    if (required) attrs.required = true;
    if (tag === "textarea") attrs.rows = "6";
    if (t("gov." + f + ".hint") !== "gov." + f + ".hint") attrs["aria-describedby"] = id(f) + "-hint";
    return [f, el(tag, attrs)];
  });
  const reason = el("textarea", { id: id("reason"), rows: "2", maxlength: "1000" });
  const fbox = errorBox();
  const form = el("form", { class: "grid", id: "propose-" + k.kind, on: { submit: async (ev) => {
    ev.preventDefault();
    fbox.textContent = "";
    const body = { kind: k.kind, reason: reason.value };
    for (const [f, input] of inputs) {
      const v = input.value.trim();
      body[f] = DECIMAL_FIELDS.includes(f) ? v.replace(",", ".") : v;
    }
    try {
      const r = await api("/api/propose", body);
      location.hash = "#proposal/" + r.id;
      say(t("gov.sent"));
    } catch (e) { if (!e.handled) fail(fbox, e); }
  } } },
    ...inputs.map(([f, input]) => el("label", { for: id(f) }, t("gov." + f), input,
      input.getAttribute("aria-describedby") ? el("span", { id: id(f) + "-hint", class: "muted" }, t("gov." + f + ".hint")) : null)),
    el("label", { for: id("reason") }, t("gov.reason"), reason),
    el("button", { type: "submit", id: "send-" + k.kind }, t("gov.send")));
  return el("details", { id: "kind-" + k.kind }, el("summary", {}, t("gov.kind." + k.kind)), form, fbox);
}

async function proposalView(id) {
  const box = errorBox();
  show(el("p", {}, t("loading")));
  let d;
  try { d = await api("/api/proposal?id=" + encodeURIComponent(id)); } catch (e) {
    if (!e.handled) { show(box); fail(box, e); }
    return;
  }
  const p = d.proposal;
  const vote = (choice) => async () => {
    box.textContent = "";
    try {
      const r = await api("/api/vote", { id: p.id, choice });
      await proposalView(id);
      say(t(r.passed ? "gov.passed" : "gov.voted"));
    } catch (e) { if (!e.handled) fail(box, e); }
  };
  const buttons = me.admin && p.state === "open" ? el("p", { class: "actions", id: "vote" },
    el("button", { type: "button", id: "vote-yes", on: { click: vote("yes") } }, t("gov.yes")),
    el("button", { type: "button", class: "danger", id: "vote-no", on: { click: vote("no") } }, t("gov.no")),
    el("button", { type: "button", class: "secondary", id: "vote-abstain", on: { click: vote("abstain") } }, t("gov.abstain")))
    : null;
  show(el("p", {}, el("a", { href: "#proposals" }, t("gov.back"))),
    el("h1", {}, t("gov.one"), " — ", proposalWhat(p)),
    facts([[t("gov.proposer"), p.proposer_name], [t("gov.reason"), p.reason], [t("gov.created"), when(p.created)],
      [t("gov.deadline"), when(p.deadline)], [t("gov.state"), el("span", { id: "pstate" }, pstate(p.state))],
      [t("gov.eligible"), num(p.eligible)]]),
    el("h2", {}, t("gov.tally")),
    table([{ label: t("gov.yes"), value: (x) => num(x.yes), num: true },
      { label: t("gov.no"), value: (x) => num(x.no), num: true },
      { label: t("gov.abstain"), value: (x) => num(x.abstain), num: true }], [p], "tally"),
    buttons ? el("h2", {}, t("gov.vote")) : null, buttons,
    me.admin ? null : el("p", { class: "muted", id: "adminonly" }, t("gov.adminonly")), box);
}

/* ---- the auditor's summary: the ledger's audit of this node's store ---- */
async function auditView() {
  const box = errorBox();
  show(el("h1", {}, t("aud.title")), el("p", { role: "status", id: "audit-wait" }, t("aud.running")), box);
  let d;
  for (;;) {
    try { d = await api("/api/audit"); break; } catch (e) {
      if (e.handled) return;
      if (location.hash !== "#audit") return;
      if (e.status !== 503) { fail(box, e); return; }
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  }
  if (location.hash !== "#audit") return;
  const a = d.audit;
  const verdict = a.ok && a.complete ? "ok" : a.ok ? "incomplete" : "failed";
  const reproduce = "mutua export --out federation.bundle\nmutua audit federation.bundle --genesis genesis.txt";
  show(el("h1", {}, t("aud.title")),
    el("p", { class: "verdict " + verdict, id: "verdict", "data-verdict": verdict }, t("aud." + verdict)),
    el("p", { id: "board" }, t(verdict === "ok" ? "aud.board.ok" : verdict === "failed" ? "aud.board.bad" : "aud.board.incomplete")),
    facts([[t("aud.entries"), el("span", { id: "aud-entries", "data-n": String(a.entries) }, num(a.entries))],
      [t("aud.signatures"), num(a.signatures)], [t("aud.feeds"), num(a.feeds)], [t("aud.members"), num(a.members)],
      [t("aud.loans"), num(a.loans) + " (" + t("aud.closed") + " " + num(a.closed) + ")"],
      [t("aud.credits"), num(a.credits_moved)], [t("aud.forks"), num(a.forks)],
      [t("aud.violations"), num(a.violations)],
      [t("aud.at"), when(a.audited_at) + (d.cached ? " — " + t("aud.cached") : "")],
      [t("aud.seconds"), num(a.seconds)]]),
    a.issues.length ? el("h2", {}, t("aud.issues")) : null,
    a.issues.length ? table([{ label: t("aud.rule"), value: (x) => x.rule },
      { label: t("aud.member"), value: (x) => x.name || x.member.slice(0, 12) },
      { label: t("aud.seq"), value: (x) => x.seq ? num(x.seq) : "", num: true },
      { label: t("aud.detail"), value: (x) => x.detail }], a.issues, "issues") : null,
    el("p", {}, t("aud.reproduce")), el("pre", { id: "reproduce" }, el("code", {}, reproduce)), box);
}

async function balancesView() {
  const box = errorBox();
  show(el("h1", {}, t("bal.title")), box);
  try {
    const rows = await api("/api/balances");
    view().append(table([{ label: t("bal.member"), value: (r) => r.name },
      { label: t("bal.balance"), value: (r) => num(r.balance), num: true },
      { label: t("bal.lent"), value: (r) => num(r.lent), num: true },
      { label: t("bal.borrowed"), value: (r) => num(r.borrowed), num: true },
      { label: t("bal.loans"), value: (r) => num(r.loans), num: true }], rows, "balances"));
  } catch (e) { if (!e.handled) fail(box, e); }
}

/* ---- routing: #catalogue[?...], #offer/ID, #mine, #incoming, #request/ID[/STEP], #balances,
 * #proposals, #proposal/ID, #audit ---- */
async function route() {
  const h = location.hash.slice(1);
  if (h.startsWith("setup=")) return setupView(h.slice(6));
  if (!me) {
    try { me = await api("/api/me"); navSignedIn(true); } catch (e) { if (!e.handled) loginView(); return; }
  }
  const [page, rest] = h.split(/[/?](.*)/s);
  for (const a of document.querySelectorAll("nav a"))
    a.toggleAttribute("aria-current", a.getAttribute("href") === "#" + page) && a.setAttribute("aria-current", "page");
  if (page === "offer") return offerView(rest);
  if (page === "request") { const [rid, step] = (rest || "").split("/"); return requestView(rid, step); }
  if (page === "proposals") return proposalsView();
  if (page === "proposal") return proposalView(rest);
  if (page === "audit") return auditView();
  if (page === "mine") return requestsView("mine");
  if (page === "incoming") return requestsView("incoming");
  if (page === "balances") return balancesView();
  return catalogueView(page === "catalogue" ? rest : "");
}

function translatePage() {
  document.documentElement.lang = LANG;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  document.getElementById("skip").textContent = t("skip");
  document.getElementById("nav").setAttribute("aria-label", t("nav.menu"));
}

document.addEventListener("DOMContentLoaded", async () => {
  T = await loadStrings();
  translatePage();
  document.getElementById("logout").addEventListener("click", async () => {
    try { await api("/api/logout", {}); } catch (e) { /* signed out either way */ }
    me = null;
    navSignedIn(false);
    history.replaceState(null, "", "#");
    loginView();
    say(t("login.out"));
  });
  window.addEventListener("hashchange", () => { route(); document.getElementById("main").focus(); });
  route();
});
