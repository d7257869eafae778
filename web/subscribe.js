/* subscribe.js - calendar subscriptions on the web page (issue 18): a
 * section on a resource's page and under "my requests" that makes a
 * secret iCal URL (POST /api/subscribe), shows it to copy with how to add
 * it to a calendar program, and lists and revokes the person's own
 * (/api/subscriptions, /api/unsubscribe). Loaded before app.js, whose
 * el(), api(), fail(), errorBox() and LANG it uses when called. */
"use strict";

const SUB_T = {
  fr: {
    "sub.title": "Abonnement au calendrier",
    "sub.intro.resource": "Suivez les prêts de cette ressource dans votre agenda.",
    "sub.intro.mine": "Suivez vos prêts dans votre agenda.",
    "sub.button": "S'abonner au calendrier",
    "sub.url": "Adresse de l'abonnement (secrète)",
    "sub.how": "Copiez cette adresse. Thunderbird : Nouvel agenda › Sur le réseau. Outlook : Ajouter un calendrier › À partir d'Internet. Téléphone : Réglages › Calendrier › Comptes › Ajouter un calendrier avec abonnement. Qui a l'adresse voit le calendrier : révoquez-la si elle a circulé.",
    "sub.yours": "Vos abonnements", "sub.revoke": "Révoquer", "sub.revoked": "Abonnement révoqué.",
    "sub.created": "créé le"
  },
  en: {
    "sub.title": "Calendar subscription",
    "sub.intro.resource": "Follow this resource's loans in your calendar.",
    "sub.intro.mine": "Follow your loans in your calendar.",
    "sub.button": "Subscribe to the calendar",
    "sub.url": "The subscription's address (secret)",
    "sub.how": "Copy this address. Thunderbird: New calendar › On the network. Outlook: Add calendar › From Internet. Phone: Settings › Calendar › Accounts › Add subscribed calendar. Whoever has the address sees the calendar: revoke it if it went astray.",
    "sub.yours": "Your subscriptions", "sub.revoke": "Revoke", "sub.revoked": "Subscription revoked.",
    "sub.created": "made on"
  }
};
const st = (k) => (SUB_T[LANG] && SUB_T[LANG][k]) || SUB_T.fr[k] || k;

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
    list.replaceChildren(...mine.map((r) => el("li", {}, "n° " + r.id + " — " + st("sub.created") +
      " " + when(r.created) + " ",
      el("button", { type: "button", class: "danger sub-revoke", on: { click: async () => {
        try { await api("/api/unsubscribe", { id: r.id }); say(st("sub.revoked")); await refresh(); }
        catch (e) { if (!e.handled) fail(box, e); }
      } } }, st("sub.revoke")))));
    yours.hidden = !mine.length;
  }
  const yours = el("h3", { hidden: true }, st("sub.yours"));
  const button = el("button", { type: "button", id: "subscribe", on: { click: async () => {
    box.textContent = "";
    try {
      const r = await api("/api/subscribe", what.resource ? { resource: what.resource } : { mine: true });
      const url = location.origin + r.path;
      const input = el("input", { id: "sub-url", type: "text", readonly: true, value: url });
      input.addEventListener("focus", () => input.select());
      out.replaceChildren(el("label", { for: "sub-url" }, st("sub.url"), input),
        el("p", { class: "muted" }, st("sub.how")));
      await refresh();
    } catch (e) { if (!e.handled) fail(box, e); }
  } } }, st("sub.button"));
  refresh();
  return el("section", { class: "subscribe", "aria-labelledby": "sub-h" },
    el("h2", { id: "sub-h" }, st("sub.title")),
    el("p", {}, st(what.resource ? "sub.intro.resource" : "sub.intro.mine")),
    button, box, out, yours, list);
}
