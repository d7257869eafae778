// run.js - the staff's web page in a real browser (Debian's chromium,
// headless, driven by puppeteer-core), against two running mutuad
// (tests/cli/web.bats starts them and passes their addresses):
//   WEB1, SETUP1  the borrower's node and Léa's first-sign-in token
//   WEB2, SETUP2  the owner's node and Bob's token
//   MUTUA, HOME2  the CLI and the owner's home (to revoke Bob)
//   SHOTS         a folder: screenshots at phone and desktop widths
// Léa sets her password, signs out, fails with a wrong password, signs in,
// searches, borrows; a POST without the CSRF token is refused; Bob sets
// his, sees the request on his node's page and accepts it; Léa sees it
// accepted; Bob subscribes to the truck's calendar from its page, the URL
// is fetched without a session and read by a strict RFC 5545 reader;
// Bob is revoked and his open session and subscription end at once.
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
