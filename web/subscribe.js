/* subscribe.js - calendar subscriptions on the web page (issue 18): a
 * section on a resource's page and under "my requests" that makes a
 * secret iCal URL (POST /api/subscribe), shows it to copy with how to add
 * it to a calendar program, and lists and revokes the person's own
 * (/api/subscriptions, /api/unsubscribe). Loaded before app.js, whose
 * el(), api(), fail(), errorBox() and t() it uses when called; its words
 * are in web/strings.json ("sub.*"). */
"use strict";

/* what: {resource: ID} or {mine: true} */
function subscribeBox(what) {
  const box = errorBox();
  const out = el("div", { id: "sub-result" });
  const list = el("ul", { id: "sub-list", class: "subs" });
  const kind = what.resource ? "resource" : "person";
  async function refresh() {
    let rows = [];
    try { rows = await api("/api/subscriptions"); } catch (e) { if (!e.handled) fail(box, e); return; }
    const mine = rows.filter((r) => !r.revoked && r.what === kind &&
      (!what.resource || r.resource === what.resource));
    list.replaceChildren(...mine.map((r) => el("li", {}, "n° " + r.id + " — " + t("sub.created") +
      " " + when(r.created) + " ",
      el("button", { type: "button", class: "danger sub-revoke", on: { click: async () => {
        try { await api("/api/unsubscribe", { id: r.id }); say(t("sub.revoked")); await refresh(); }
        catch (e) { if (!e.handled) fail(box, e); }
      } } }, t("sub.revoke")))));
    yours.hidden = !mine.length;
  }
  const yours = el("h3", { hidden: true }, t("sub.yours"));
  const button = el("button", { type: "button", id: "subscribe", on: { click: async () => {
    box.textContent = "";
    try {
      const r = await api("/api/subscribe", what.resource ? { resource: what.resource } : { mine: true });
      const url = location.origin + r.path;
      const input = el("input", { id: "sub-url", type: "text", readonly: true, value: url });
      input.addEventListener("focus", () => input.select());
      out.replaceChildren(el("label", { for: "sub-url" }, t("sub.url"), input),
        el("p", { class: "muted" }, t("sub.how")));
      await refresh();
    } catch (e) { if (!e.handled) fail(box, e); }
  } } }, t("sub.button"));
  refresh();
  return el("section", { class: "subscribe", "aria-labelledby": "sub-h" },
    el("h2", { id: "sub-h" }, t("sub.title")),
    el("p", {}, t(what.resource ? "sub.intro.resource" : "sub.intro.mine")),
    button, box, out, yours, list);
}
