/* app.js - Mutua's web page for a member's staff: plain JavaScript, no
 * build step, nothing loaded from elsewhere (the node's CSP allows 'self'
 * only). Every figure and every refusal comes from the node's JSON API
 * (node/web.c), which calls the same ledger rules as the mutua CLI.
 * Language: French unless the browser prefers English; times in the
 * browser's local time with their UTC offset; numbers in the language's
 * style (a decimal comma in French). */
"use strict";

const T = {
  fr: {
    "skip": "Aller au contenu",
    "nav.menu": "Menu",
    "nav.catalogue": "Catalogue", "nav.mine": "Mes demandes", "nav.incoming": "Demandes reçues",
    "nav.balances": "Soldes", "nav.logout": "Se déconnecter",
    "login.title": "Se connecter", "login.email": "Adresse e-mail", "login.password": "Mot de passe",
    "login.submit": "Se connecter", "login.out": "Vous êtes déconnecté.",
    "setup.title": "Première connexion", "setup.intro": "Choisissez votre mot de passe (10 caractères au moins). Ce lien ne sert qu'une fois.",
    "setup.password": "Nouveau mot de passe", "setup.again": "Le même, une seconde fois",
    "setup.submit": "Enregistrer et se connecter", "setup.mismatch": "Les deux mots de passe diffèrent.",
    "setup.short": "Le mot de passe a au moins 10 caractères.",
    "cat.title": "Catalogue", "cat.q": "Recherche", "cat.kind": "Type", "cat.any": "Tous",
    "cat.place": "Lieu", "cat.from": "Libre du", "cat.to": "au", "cat.search": "Chercher",
    "cat.none": "Aucune offre ne correspond.", "cat.count": "offre(s)",
    "kind.vehicle": "Véhicule", "kind.storage": "Stockage", "kind.skill": "Compétence",
    "kind.equipment": "Matériel", "kind.room": "Salle", "kind.other": "Autre",
    "unit.hour": "heure", "unit.day": "jour", "unit.km": "km", "unit.m3": "m³", "unit.item": "pièce",
    "offer.owner": "Proposé par", "offer.rate": "Tarif", "offer.per": "crédits par",
    "offer.capacity": "Capacité", "offer.location": "Lieu", "offer.description": "Description",
    "offer.conditions": "Conditions", "offer.deposit": "Caution", "offer.requires": "Exigences",
    "offer.free": "libre sur ce créneau", "offer.slotpending": "demandes en attente sur ce créneau",
    "offer.calendar": "Calendrier", "offer.cal.none": "Aucun prêt ni blocage sur cette période.",
    "offer.pending": "demande(s) en attente d'une réponse sur cette période",
    "offer.borrow": "Emprunter", "offer.from": "Du", "offer.to": "Au", "offer.quantity": "Quantité",
    "offer.note": "Note pour le prêteur", "offer.confirm": "J'accepte les conditions, la caution et les exigences de cette offre",
    "offer.send": "Envoyer la demande", "offer.sent": "Demande envoyée :", "offer.see": "voir mes demandes",
    "offer.back": "Retour au catalogue", "offer.missing": "Indiquez le début et la fin du créneau.",
    "cal.from": "Du", "cal.to": "Au", "cal.who": "Emprunteur", "cal.state": "État", "cal.reason": "Motif",
    "req.mine": "Mes demandes", "req.incoming": "Demandes reçues", "req.none": "Aucune demande.",
    "req.resource": "Ressource", "req.from": "Du", "req.to": "Au", "req.state": "État",
    "req.other": "Avec", "req.credits": "Crédits", "req.actions": "Actions", "req.details": "Détails",
    "req.accept": "Accepter", "req.decline": "Refuser", "req.accepted": "Demande acceptée.",
    "req.declined": "Demande refusée.", "req.steps": "Étapes", "req.step": "Étape", "req.time": "Quand",
    "req.by": "Par", "req.note": "Note", "req.verdict": "Verdict", "req.title": "Demande",
    "state.requested": "demandée", "state.waiting": "en liste d'attente", "state.accepted": "acceptée",
    "state.declined": "refusée", "state.cancelled": "annulée", "state.handed_over": "remise",
    "state.returned": "rendue", "state.claimed": "réclamée", "state.disputed": "contestée",
    "state.closed": "clôturée", "state.blocked": "bloquée",
    "bal.title": "Soldes", "bal.member": "Membre", "bal.balance": "Solde", "bal.lent": "Prêté",
    "bal.borrowed": "Emprunté", "bal.loans": "Prêts",
    "err.network": "Le nœud ne répond pas. Réessayez dans un instant.",
    "loading": "Chargement…", "yes": "oui", "no": "non"
  },
  en: {
    "skip": "Skip to content",
    "nav.menu": "Menu",
    "nav.catalogue": "Catalogue", "nav.mine": "My requests", "nav.incoming": "Incoming requests",
    "nav.balances": "Balances", "nav.logout": "Sign out",
    "login.title": "Sign in", "login.email": "E-mail address", "login.password": "Password",
    "login.submit": "Sign in", "login.out": "You are signed out.",
    "setup.title": "First sign-in", "setup.intro": "Choose your password (at least 10 characters). This link works once.",
    "setup.password": "New password", "setup.again": "The same, once more",
    "setup.submit": "Save and sign in", "setup.mismatch": "The two passwords differ.",
    "setup.short": "A password has at least 10 characters.",
    "cat.title": "Catalogue", "cat.q": "Search", "cat.kind": "Kind", "cat.any": "Any",
    "cat.place": "Place", "cat.from": "Free from", "cat.to": "to", "cat.search": "Search",
    "cat.none": "No offer matches.", "cat.count": "offer(s)",
    "kind.vehicle": "Vehicle", "kind.storage": "Storage", "kind.skill": "Skill",
    "kind.equipment": "Equipment", "kind.room": "Room", "kind.other": "Other",
    "unit.hour": "hour", "unit.day": "day", "unit.km": "km", "unit.m3": "m³", "unit.item": "item",
    "offer.owner": "Offered by", "offer.rate": "Rate", "offer.per": "credits per",
    "offer.capacity": "Capacity", "offer.location": "Place", "offer.description": "Description",
    "offer.conditions": "Conditions", "offer.deposit": "Deposit", "offer.requires": "Requirements",
    "offer.free": "free over this slot", "offer.slotpending": "pending requests over this slot",
    "offer.calendar": "Calendar", "offer.cal.none": "No loan and no block in this period.",
    "offer.pending": "request(s) waiting for an answer in this period",
    "offer.borrow": "Borrow", "offer.from": "From", "offer.to": "To", "offer.quantity": "Quantity",
    "offer.note": "A note for the owner", "offer.confirm": "I accept this offer's conditions, deposit and requirements",
    "offer.send": "Send the request", "offer.sent": "Request sent:", "offer.see": "see my requests",
    "offer.back": "Back to the catalogue", "offer.missing": "Give the slot's start and end.",
    "cal.from": "From", "cal.to": "To", "cal.who": "Borrower", "cal.state": "State", "cal.reason": "Reason",
    "req.mine": "My requests", "req.incoming": "Incoming requests", "req.none": "No request.",
    "req.resource": "Resource", "req.from": "From", "req.to": "To", "req.state": "State",
    "req.other": "With", "req.credits": "Credits", "req.actions": "Actions", "req.details": "Details",
    "req.accept": "Accept", "req.decline": "Decline", "req.accepted": "Request accepted.",
    "req.declined": "Request declined.", "req.steps": "Steps", "req.step": "Step", "req.time": "When",
    "req.by": "By", "req.note": "Note", "req.verdict": "Verdict", "req.title": "Request",
    "state.requested": "requested", "state.waiting": "on the waitlist", "state.accepted": "accepted",
    "state.declined": "declined", "state.cancelled": "cancelled", "state.handed_over": "handed over",
    "state.returned": "returned", "state.claimed": "claimed", "state.disputed": "disputed",
    "state.closed": "closed", "state.blocked": "blocked",
    "bal.title": "Balances", "bal.member": "Member", "bal.balance": "Balance", "bal.lent": "Lent",
    "bal.borrowed": "Borrowed", "bal.loans": "Loans",
    "err.network": "The node does not answer. Try again in a moment.",
    "loading": "Loading…", "yes": "yes", "no": "no"
  }
};

/* French unless the browser lists English before French */
function pickLang() {
  for (const l of navigator.languages || [navigator.language || "fr"]) {
    const p = l.slice(0, 2).toLowerCase();
    if (p === "en" || p === "fr") return p;
  }
  return "fr";
}
const LANG = pickLang();
const t = (k) => T[LANG][k] || T.fr[k] || k;

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
  const opts = { credentials: "same-origin", headers: {} };
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
  if (!r.ok) throw data;
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
    if (incoming && r.state === "requested") {
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

async function requestView(id) {
  const box = errorBox();
  show(el("p", {}, t("loading")));
  let d;
  try { d = await api("/api/request?id=" + encodeURIComponent(id)); } catch (e) {
    if (!e.handled) { show(box); fail(box, e); }
    return;
  }
  const r = d.request[0];
  if (!r) return void show(el("p", {}, "?"));
  show(el("h1", {}, t("req.title"), " — ", r.resource_title),
    facts([[t("offer.owner"), r.owner_name], [t("cal.who"), r.borrower_name],
      [t("req.from"), when(r.from)], [t("req.to"), when(r.to)], [t("offer.quantity"), num(r.quantity)],
      [t("req.state"), state(r.state)], [t("cal.reason"), r.reason], [t("req.credits"), num(r.credits)]]),
    el("h2", {}, t("req.steps")),
    table([{ label: t("req.time"), value: (s) => when(s.time) }, { label: t("req.step"), value: (s) => s.step },
      { label: t("req.by"), value: (s) => s.by_staff ? s.by_staff.name + " (" + s.by + ")" : s.by },
      { label: t("req.note"), value: (s) => s.note || "" }, { label: t("req.verdict"), value: (s) => s.verdict || "" }],
    r.steps || [], "steps"), box);
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

/* ---- routing: #catalogue[?...], #offer/ID, #mine, #incoming, #request/ID, #balances ---- */
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
  if (page === "request") return requestView(rest);
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

document.addEventListener("DOMContentLoaded", () => {
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
