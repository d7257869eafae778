// run.js - the staff's web page in a real browser (Debian's chromium,
// headless, driven by puppeteer-core), against two running mutuad
// (tests/cli/web.bats starts them and passes their addresses):
//   WEB1, SETUP1  the borrower's node and Léa's first-sign-in token
//   WEB2, SETUP2  the owner's node and Bob's token
//   MUTUA, HOME2  the CLI and the owner's home (to revoke Bob)
//   HOME1         the borrower's home (mutua audit --json, to compare)
//   SHOTS         a folder: screenshots at phone and desktop widths
// Léa sets her password, signs out, fails with a wrong password, signs in,
// searches, borrows; a POST without the CSRF token is refused; Bob sets
// his, sees the request on his node's page and accepts it; Léa sees it
// accepted; Bob subscribes to the truck's calendar from its page, the URL
// is fetched without a session and read by a strict RFC 5545 reader; Bob
// records the handover and Léa the return, each with a condition report,
// and both nodes show who signed each step; Léa (admin) opens a proposal
// and votes, Bob (no admin role) sees no vote and the API refuses his; the
// auditor's summary agrees with mutua audit --json; Bob is revoked and his
// open session and subscription end at once.
"use strict";
const puppeteer = require("puppeteer-core");
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const WEB1 = env("WEB1"), WEB2 = env("WEB2");
const PW1 = "léa est là 2026", PW2 = "bob durand 2026!";
let step = "start";
const log = (s) => { step = s; console.log("# " + s); };
function check(cond, what) { if (!cond) throw new Error("failed: " + what); }

async function text(page, sel) {
  return page.$eval(sel, (e) => e.textContent);
}

// waits until fn() (in the test) holds, reloading page between tries
async function eventually(page, fn, what, seconds = 60) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error("gave up waiting for " + what);
    await new Promise((r) => setTimeout(r, 500));
    await page.reload({ waitUntil: "networkidle0" });
  }
}

// a datetime-local value, days from now at hour h (the browser's local time)
function local(days, h) {
  const d = new Date(Date.now() + days * 86400000);
  d.setHours(h, 0, 0, 0);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(h)}:00`;
}

async function setInput(page, sel, value) {
  await page.$eval(sel, (e, v) => { e.value = v; }, value);
}

async function shots(page, name) {
  const dir = process.env.SHOTS;
  if (!dir) return;
  for (const [w, h, tag] of [[390, 844, "phone"], [1280, 900, "desktop"]]) {
    await page.setViewport({ width: w, height: h });
    await page.screenshot({ path: path.join(dir, `${name}-${tag}.png`), fullPage: true });
    // nothing wider than the window: the page is one column on a phone
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(over <= 1, `${name} at ${w} px overflows by ${over} px`);
  }
  await page.setViewport({ width: 1280, height: 900 });
}

async function axe(page, name) {
  const src = path.join(__dirname, "node_modules", "axe-core", "axe.min.js");
  if (!fs.existsSync(src)) return;
  // the page's CSP allows its own scripts only: axe is evaluated by the
  // test through the DevTools protocol, which the CSP does not govern
  await page.evaluate(fs.readFileSync(src, "utf8"));
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) console.log(`# axe ${name}: ${v.id} (${v.impact}): ${v.help}`);
  check(bad.length === 0, `axe finds no serious violation on ${name}`);
}

async function newPage(browser, lang) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setExtraHTTPHeaders({ "Accept-Language": lang });
  await page.evaluateOnNewDocument((l) => {
    Object.defineProperty(navigator, "languages", { get: () => [l] });
  }, lang);
  await page.setViewport({ width: 1280, height: 900 });
  // a shared machine can be slow: a step waits up to a minute
  page.setDefaultTimeout(60000);
  page.setDefaultNavigationTimeout(60000);
  page.on("pageerror", (e) => { throw new Error("page error: " + e.message); });
  return page;
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir: fs.mkdtempSync(path.join(process.env.TMPDIR || "/tmp", "mutua-chromium-")),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=fr-FR"],
  });
  try {
    // ---- Léa, on the borrower's node, in French ----
    const lea = await newPage(browser, "fr-FR");
    log("Léa's first sign-in with her link");
    await lea.goto(`${WEB1}/#setup=${env("SETUP1")}`, { waitUntil: "networkidle0" });
    check(await lea.$eval("html", (e) => e.lang) === "fr", "the page is in French");
    check(await lea.$eval("main h1", (e) => e.textContent) === "Première connexion",
      "its words come from the French catalogue");
    await lea.type("#pw1", PW1);
    await lea.type("#pw2", PW1);
    await lea.click("#setup button[type=submit]");
    await lea.waitForSelector("#offers");
    check((await text(lea, "#who")).includes("Léa Martin"), "her name is shown");
    log("the link works once");
    const again = await lea.evaluate(async (tok) => (await fetch("/api/setup", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: tok, password: "another password" }) })).status, env("SETUP1"));
    check(again === 404, "a used link is refused (" + again + ")");

    log("sign out, then a wrong password is refused");
    await lea.click("#logout");
    await lea.waitForSelector("#login");
    check((await lea.evaluate(async () => (await fetch("/api/me")).status)) === 401, "signed out");
    await lea.type("#email", "lea@example.org");
    await lea.type("#password", "not her password");
    await lea.click("#login button[type=submit]");
    await lea.waitForFunction(() => document.querySelector("#login .error").textContent.length > 0);
    const wrong = await text(lea, "#login .error");
    console.log("# refusal: " + wrong);
    check(/incorrect/i.test(wrong), "one message for a wrong e-mail or password, in French");

    log("sign in");
    await lea.$eval("#password", (e) => { e.value = ""; });
    await lea.type("#password", PW1);
    await lea.click("#login button[type=submit]");
    await lea.waitForSelector("#offers");

    log("search the catalogue");
    await lea.waitForFunction(() => document.querySelectorAll("#offers li").length >= 2);
    await shots(lea, "catalogue");
    await axe(lea, "catalogue");
    await lea.type("#q", "camion");
    await lea.click("#search");
    await lea.waitForFunction(() => location.hash.includes("q=camion") &&
      document.querySelectorAll("#offers li").length === 1);
    const card = await text(lea, "#offers li");
    check(card.includes("Camion frigorifique"), "the truck is found");
    check(card.includes("10,5"), "a decimal comma in French: " + card);
    await lea.select("#kind", "room");
    await lea.click("#search");
    await lea.waitForFunction(() => location.hash.includes("kind=room"));
    await lea.waitForFunction(() => document.querySelector("#count").textContent.length > 0);
    check((await lea.$$("#offers li")).length === 0, "no room holds the word camion");

    log("borrow the truck");
    await lea.goto(`${WEB1}/#catalogue?q=camion`, { waitUntil: "networkidle0" });
    await lea.waitForSelector("#offers li a");
    await lea.click("#offers li a");
    await lea.waitForSelector("#borrow");
    await shots(lea, "resource");
    await axe(lea, "resource");
    await setInput(lea, "#bfrom", local(30, 9));
    await setInput(lea, "#bto", local(31, 18));
    // without confirming the terms: the rule engine's refusal, as is
    await lea.click("#send");
    await lea.waitForFunction(() => document.querySelector("main .error:not(:empty)"));
    const refusal = await lea.$eval("main .error:not(:empty)", (e) => e.textContent);
    console.log("# refusal: " + refusal);
    check(/«/.test(refusal) && /caution|deposit/.test(refusal), "the rule engine's refusal, framed in French: " + refusal);
    await lea.click("#bconfirm");
    await lea.click("#send");
    await lea.waitForFunction(() => document.querySelector("#borrowed").textContent.length > 0);

    log("a POST without the CSRF token is refused");
    const noCsrf = await lea.evaluate(async () => (await fetch("/api/accept", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status);
    check(noCsrf === 403, "POST without token: " + noCsrf);
    const form = await lea.evaluate(async () => (await fetch("/api/accept", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "id=1" })).status);
    check(form === 400, "a form's body is refused: " + form);

    log("her request, requested");
    await lea.goto(`${WEB1}/#mine`, { waitUntil: "networkidle0" });
    await lea.waitForSelector("#requests");
    check((await text(lea, "#requests")).includes("demandée"), "requested, in French");

    // ---- Bob, on the owner's node, in English ----
    const bob = await newPage(browser, "en-GB");
    log("Bob's first sign-in, in English");
    await bob.goto(`${WEB2}/#setup=${env("SETUP2")}`, { waitUntil: "networkidle0" });
    check(await bob.$eval("html", (e) => e.lang) === "en", "the page is in English");
    check(await bob.$eval("main h1", (e) => e.textContent) === "First sign-in",
      "its words are the English of strings.json");
    await bob.type("#pw1", PW2);
    await bob.type("#pw2", PW2);
    await bob.click("#setup button[type=submit]");
    await bob.waitForSelector("#offers");
    log("the request on the owner's node");
    await bob.goto(`${WEB2}/#incoming`, { waitUntil: "networkidle0" });
    await eventually(bob, async () => (await bob.$("#requests button.accept")) !== null,
      "the request to reach the owner's node");
    await shots(bob, "incoming");
    await axe(bob, "incoming");
    await bob.click("#requests button.accept");
    await bob.waitForFunction(() => document.querySelector("#status").textContent.includes("accepted"));
    check((await text(bob, "#requests")).includes("accepted"), "accepted on the owner's node");

    log("Bob subscribes to the truck's calendar; the URL answers without a session, RFC 5545");
    await bob.goto(`${WEB2}/#catalogue?q=camion`, { waitUntil: "networkidle0" });
    await bob.waitForSelector("#offers li a");
    await bob.click("#offers li a");
    await bob.waitForSelector("#subscribe");
    await bob.click("#subscribe");
    await bob.waitForSelector("#sub-url");
    const icsUrl = await bob.$eval("#sub-url", (e) => e.value);
    check(/^http:\/\/127\.0\.0\.1:\d+\/ical\/[A-Za-z0-9_-]{43}\.ics$/.test(icsUrl), "an iCal URL: " + icsUrl);
    await bob.waitForSelector("#sub-list li");
    await axe(bob, "subscribe");
    const feed = await fetch(icsUrl); /* no cookie: as a calendar program */
    check(feed.status === 200 && /^text\/calendar/.test(feed.headers.get("content-type")),
      "the feed answers: " + feed.status);
    const icsFile = path.join(process.env.TMPDIR || "/tmp", "browser-feed.ics");
    fs.writeFileSync(icsFile, Buffer.from(await feed.arrayBuffer()));
    const events = execFileSync(path.join(__dirname, "..", "tools", "ics-check.py"), [icsFile])
      .toString().trim().split("\n");
    const utc = (s) => new Date(s).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    check(events.length === 1 && events[0].includes("\t" + utc(local(30, 9)) + "\t" + utc(local(31, 18)) + "\t") &&
      events[0].includes("Camion"), "one event, the truck's loan: " + events.join(" | "));

    log("Léa sees it accepted, and who accepted it");
    await eventually(lea, async () => (await lea.$("#requests")) !== null &&
      (await text(lea, "#requests")).includes("acceptée"), "the accept to reach the borrower's node");
    await lea.click("#requests a");
    await lea.waitForSelector("#steps");
    const steps = await text(lea, "#steps");
    check(steps.includes("Léa Martin") && steps.includes("Bob Durand"), "the steps name both people: " + steps);

    log("Bob records the handover with a condition report, on the owner's node");
    await bob.goto(`${WEB2}/#incoming`, { waitUntil: "networkidle0" });
    await bob.waitForSelector("#requests a.step-handover");
    await bob.click("#requests a.step-handover");
    await bob.waitForSelector("#handover-form");
    await shots(bob, "handover");
    await axe(bob, "handover");
    check((await bob.$("#do-return")) === null, "the owner is not offered the borrower's return");
    await bob.type("#handover-meter", "12000");
    await bob.select("#handover-fuel", "full");
    await bob.type("#handover-note", "Keys given at the depot");
    // a bad field is refused by the CLI's check, in the reader's language
    await bob.type("#handover-damage", "bad\u0007");
    await bob.click("#do-handover");
    await bob.waitForFunction(() => document.querySelector("main .error:not(:empty)"));
    const bad = await bob.$eval("main .error:not(:empty)", (e) => e.textContent);
    console.log("# refusal: " + bad);
    check(/control character/.test(bad), "a control character is refused as the CLI refuses it: " + bad);
    await bob.$eval("#handover-damage", (e) => { e.value = ""; });
    await bob.click("#do-handover");
    await bob.waitForFunction(() => document.querySelector("#state") &&
      document.querySelector("#state").textContent === "handed over");
    check((await text(bob, "#status")).includes("Handover recorded"), "the handover is confirmed");
    check((await text(bob, "#steps")).includes("12,000"), "the meter reading is shown: " + await text(bob, "#steps"));

    log("Léa records the return with a condition report, on the borrower's node");
    await lea.goto(`${WEB1}/#mine`, { waitUntil: "networkidle0" });
    await eventually(lea, async () => (await lea.$("#requests a.step-return")) !== null,
      "the handover to reach the borrower's node");
    await lea.click("#requests a.step-return");
    await lea.waitForSelector("#return-form");
    await shots(lea, "return");
    await axe(lea, "return");
    check((await lea.$("#do-handover")) === null, "the borrower is not offered the owner's handover");
    await lea.type("#return-meter", "12350");
    await lea.select("#return-fuel", "3/4");
    await lea.type("#return-damage", "Rayure sur la portière arrière");
    await lea.type("#return-note", "Rendu au dépôt");
    await lea.click("#do-return");
    await lea.waitForFunction(() => document.querySelector("#state") &&
      document.querySelector("#state").textContent === "rendue");
    const lsteps = await text(lea, "#steps");
    check(lsteps.includes("Retour") && lsteps.includes("Rayure") && /12\s350/.test(lsteps),
      "the return's report, French digits: " + lsteps);

    log("both nodes show the loan returned, and who signed each step");
    await bob.goto(`${WEB2}/#incoming`, { waitUntil: "networkidle0" });
    await eventually(bob, async () => (await bob.$("#requests")) !== null &&
      (await text(bob, "#requests")).includes("returned"), "the return to reach the owner's node");
    await bob.click("#requests a[href^='#request/']");
    await bob.waitForSelector("#steps");
    const rows = await bob.$$eval("#steps tbody tr", (trs) => trs.map((tr) => tr.textContent));
    const row = (step) => rows.find((r) => r.includes(step)) || "";
    console.log("# steps on the owner's node: " + rows.join(" | "));
    check(row("Handover").includes("Bob Durand"), "the handover names Bob");
    check(row("Return").includes("Léa Martin") && row("Return").includes("Rayure"),
      "the return names Léa, with her report");
    check(row("Accept").includes("Bob Durand") && row("Request").includes("Léa Martin"),
      "the request and the accept name their people");

    log("an admin opens a proposal and votes on it");
    check(await lea.evaluate(() => me.admin) === true, "Léa is an admin");
    await lea.goto(`${WEB1}/#proposals`, { waitUntil: "networkidle0" });
    await lea.waitForSelector("#propose");
    await lea.select("#gparam", "credit-limit");
    await lea.type("#gvalue", "abc");
    await lea.click("#send-proposal");
    await lea.waitForFunction(() => document.querySelector("main .error:not(:empty)"));
    console.log("# refusal: " + await lea.$eval("main .error:not(:empty)", (e) => e.textContent));
    await lea.$eval("#gvalue", (e) => { e.value = ""; });
    await lea.type("#gvalue", "750,5");
    await lea.type("#greason", "Plus de marge pour les prêts de matériel");
    await lea.click("#send-proposal");
    await lea.waitForSelector("#vote-yes");
    const pid = (await lea.evaluate(() => location.hash)).split("/")[1];
    check(/^[0-9a-f]{64}$/.test(pid), "the proposal's page: " + pid);
    await shots(lea, "proposal");
    await axe(lea, "proposal");
    await lea.click("#vote-yes");
    await lea.waitForFunction(() => document.querySelector("#status").textContent.includes("Vote enregistré"));
    check((await text(lea, "#tally tbody")).includes("1"), "the tally counts her vote");
    await lea.goto(`${WEB1}/#proposals`, { waitUntil: "networkidle0" });
    await lea.waitForSelector("#propose");
    check((await text(lea, "#open-proposals, #closed-proposals")).includes("plafond de crédit\u00a0: 750,5"),
      "the proposal listed in French, decimal comma: " + await text(lea, "main"));
    await shots(lea, "proposals");
    await axe(lea, "proposals");

    log("an admin opens an exclusion; a settle with a wrong usage is refused with the CLI's message");
    await lea.$$eval("details", (ds) => ds.forEach((d) => { d.open = true; }));
    await axe(lea, "proposal forms");
    check((await lea.$$eval("#propose-settle input, #propose-settle textarea", (es) => es.map((e) => e.id)))
      .join(" ") === "gsettle-request gsettle-usage gsettle-forfeit gsettle-reason", "the settle form takes only its fields");
    const zero = "0".repeat(64);
    await lea.type("#gsettle-request", zero);
    await lea.type("#gsettle-usage", "beaucoup");
    await lea.click("#send-settle");
    await lea.waitForFunction(() => document.querySelector("#kind-settle .error:not(:empty)"));
    const refusedUsage = await text(lea, "#kind-settle .error");
    console.log("# refusal: " + refusedUsage);
    check(refusedUsage.startsWith("USAGE\u00a0: ") && !/ is | not /.test(refusedUsage), "the usage refused in French, as mutua propose says: " + refusedUsage);
    await lea.type("#gexclude-member", "N2");
    await lea.type("#gexclude-reason", "Ne participe plus");
    await lea.click("#send-exclude");
    await lea.waitForSelector("#vote-yes");
    check((await text(lea, "h1")).includes("N2"), "the exclusion's page names N2: " + await text(lea, "h1"));

    log("a person without the admin role sees no vote and is refused by the API");
    await bob.goto(`${WEB2}/#proposal/${pid}`, { waitUntil: "networkidle0" });
    await eventually(bob, async () => (await bob.$("#tally")) !== null, "the proposal to reach the owner's node");
    check((await bob.$("#vote-yes")) === null && (await bob.$("#adminonly")) !== null, "no vote button for Bob");
    await bob.goto(`${WEB2}/#proposals`, { waitUntil: "networkidle0" });
    await bob.waitForSelector("#adminonly");
    check((await bob.$("#propose")) === null, "no proposal form for Bob");
    const refused = await bob.evaluate(async (id) => {
      const r = await fetch("/api/vote", { method: "POST", headers: { "Content-Type": "application/json",
        "X-CSRF-Token": me.csrf }, body: JSON.stringify({ id, choice: "no" }) });
      return { status: r.status, body: await r.json() };
    }, pid);
    console.log("# refusal: " + refused.status + " " + JSON.stringify(refused.body));
    check(refused.status === 403 && /admin/.test(refused.body.error + refused.body.hint),
      "a vote without the admin role is refused: " + JSON.stringify(refused));
    const noPropose = await bob.evaluate(async () => (await fetch("/api/propose", { method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
      body: JSON.stringify({ param: "quorum", value: "10" }) })).status);
    check(noPropose === 403, "a proposal without the admin role is refused: " + noPropose);

    log("the auditor's summary: verified, the entries of mutua audit --json");
    const cliAudit = () => {
      let out;
      try {
        out = execFileSync(env("MUTUA"), ["--home", env("HOME1"), "--json", "audit"], { encoding: "utf8" });
      } catch (e) { out = e.stdout || ""; }
      const line = out.split("\n").filter((l) => l.startsWith("{\"summary\"")).pop();
      return JSON.parse(line);
    };
    await lea.goto(`${WEB1}/#audit`, { waitUntil: "networkidle0" });
    let cli = null;
    await eventually(lea, async () => {
      await lea.waitForSelector("#verdict", { timeout: 30000 });
      cli = cliAudit();
      return String(cli.entries) === await lea.$eval("#aud-entries", (e) => e.dataset.n);
    }, "the page's audit and mutua audit --json to agree");
    check(await lea.$eval("#verdict", (e) => e.dataset.verdict) === "ok" && cli.ok,
      "the audit verdict is verified: " + await text(lea, "#verdict"));
    check((await text(lea, "#verdict")) === "Vérifié", "in French");
    console.log(`# audit: ${cli.entries} entries, ${cli.feeds} feeds, the page and the CLI agree`);
    const t0 = Date.now();
    const reload = await lea.evaluate(async () => (await (await fetch("/api/audit")).json()));
    check(reload.audit.entries === cli.entries, "a reload gives the same count");
    console.log(`# audit: a reload took ${Date.now() - t0} ms (cached: ${reload.cached})`);
    await shots(lea, "audit");
    await axe(lea, "audit");

    log("Bob is revoked: his session ends at once");
    execFileSync(env("MUTUA"), ["--home", env("HOME2"), "staff", "revoke", "Bob Durand"]);
    await bob.click('nav a[href="#catalogue"]');
    await bob.waitForSelector("#login");
    const ended = await text(bob, "#login .error");
    console.log("# refusal: " + ended);
    check(/no longer in force/.test(ended), "the page says why the session ended");
    const status = await bob.evaluate(async () => (await fetch("/api/me")).status);
    check(status === 401, "a revoked person's session is refused: " + status);
    const relogin = await bob.evaluate(async (pw) => (await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "bob@example.org", password: pw }) })).status, PW2);
    const after = await bob.evaluate(async () => (await fetch("/api/offers")).status);
    check(relogin !== 200 || after === 401, "a revoked person cannot act again");
    const gone = await fetch(icsUrl);
    check(gone.status === 404, "the subscription Bob made ends with him: " + gone.status);

    log("sign out");
    await lea.click("#logout");
    await lea.waitForSelector("#login");
    console.log("ok");
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`not ok (${step}): ${e.stack || e}`);
  process.exit(1);
});
