// The built window in headless Chromium, with the engine replaced by mocked IPC: what an
// agent sees and clicks. Run with `node --test tests/` after `vite build`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "..", "dist");
const mocks = fs
  .readFileSync(path.join(here, "..", "node_modules", "@tauri-apps", "api", "mocks.js"), "utf8")
  .replace(/^export .*$/gm, "");

// The engine as the window sees it: three contacts and the dial plan's answers.
function engine() {
  const contacts = [
    { id: 1, display_name: "Jeanne Dupont", company: "Acme", number: "01 23 45 67 89",
      given_name: "Jeanne", family_name: "Dupont", email: "j.dupont@acme.example",
      notes: "Rappeler au 06 12 34 56 78 après 14h.",
      numbers: [{ id: 11, kind: "work", raw: "01 23 45 67 89", e164: "+33123456789" },
                { id: 12, kind: "mobile", raw: "06 1A 34", e164: null }],
      company_numbers: [{ id: 13, kind: "switchboard", raw: "01 23 45 00 00", e164: "+33123450000" }] },
    { id: 2, display_name: "Oliver Wright", company: null, number: "+44 161 496 0123",
      given_name: "", family_name: "", email: "", notes: "",
      numbers: [{ id: 21, kind: "work", raw: "+44 161 496 0123", e164: "+441614960123" }],
      company_numbers: [] },
  ];
  const dial = {
    "01 23 45 67 89": { kind: "external", e164: "+33123456789", dial: "0033123456789", display: "+33 1 23 45 67 89" },
    "06 12 34 56 78": { kind: "external", e164: "+33612345678", dial: "0033612345678", display: "+33 6 12 34 56 78" },
    "01 23 45 00 00": { kind: "external", e164: "+33123450000", dial: "0033123450000", display: "+33 1 23 45 00 00" },
  };
  window.__calls = [];
  mockIPC((cmd, args) => {
    window.__calls.push(cmd);
    if (cmd === "search_contacts") {
      const q = args.query.toLowerCase();
      return contacts
        .filter((c) => (c.display_name + " " + (c.company ?? "")).toLowerCase().includes(q))
        .map(({ id, display_name, company, number }) => ({ id, display_name, company, number }));
    }
    if (cmd === "get_contact") return contacts.find((c) => c.id === args.id);
    if (cmd === "normalize_number") {
      if (dial[args.input]) return dial[args.input];
      throw { code: "number_not_valid", message: "this is not a valid number for FR" };
    }
    throw { code: "unknown_command", message: cmd };
  });
}

let server;
let browser;
let base;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, "index.html")), "run `npx vite build` first");
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const file = path.join(dist, url.pathname === "/" ? "index.html" : url.pathname);
    if (!file.startsWith(dist) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html";
    res.writeHead(200, { "content-type": type }).end(fs.readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function page(locale) {
  const context = await browser.newContext({ locale });
  const p = await context.newPage();
  await p.addInitScript({ content: `${mocks}\n(${engine.toString()})();` });
  await p.goto(base);
  return p;
}

test("search, open a card, click a number: the dial string shows", async () => {
  const p = await page("en-GB");
  await p.getByRole("button", { name: /Oliver Wright/ }).waitFor();
  assert.equal(await p.getByTestId("results").locator("li").count(), 2);
  await p.getByLabel("Search contacts").fill("dupont");
  await p.getByTestId("results").locator("li").filter({ hasText: "Oliver" }).waitFor({ state: "detached" });
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  assert.equal(await p.getByTestId("card-name").textContent(), "Jeanne Dupont");
  await p.getByRole("button", { name: "Show the dial string for 01 23 45 67 89" }).click();
  await p.getByTestId("status").filter({ hasText: "0033123456789" }).waitFor();
  assert.equal(
    (await p.getByTestId("status").textContent()).trim(),
    "Dial string for +33 1 23 45 67 89: 0033123456789",
  );
  // The company switchboard and a number in the notes are links too.
  await p.getByRole("button", { name: "Show the dial string for 06 12 34 56 78" }).click();
  await p.getByTestId("status").filter({ hasText: "0033612345678" }).waitFor();
  await p.getByLabel("Search contacts").fill("nobody");
  await p.getByTestId("no-results").waitFor();
});

test("a number the plan cannot read says what is wrong", async () => {
  const p = await page("en-US");
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByRole("button", { name: "Show the dial string for 06 1A 34" }).click();
  const status = p.getByTestId("status");
  await status.filter({ hasText: "not a valid number" }).waitFor();
  assert.match(await status.getAttribute("class"), /error/);
  assert.match(await status.textContent(), /⚠/, "an error is not shown by colour alone");
});

test("French from the OS locale, and switchable", async () => {
  const p = await page("fr-FR");
  await p.getByLabel("Rechercher un contact").waitFor();
  assert.equal(await p.locator("html").getAttribute("lang"), "fr");
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByText("Numéros de la société").waitFor();
  await p.getByRole("button", { name: "Afficher le numéro composé pour 01 23 45 00 00" }).click();
  await p.getByTestId("status").filter({ hasText: "Numéro composé pour +33 1 23 45 00 00 : 0033123450000" }).waitFor();
  await p.getByTestId("language").selectOption("en");
  await p.getByLabel("Search contacts").waitFor();
  assert.equal(await p.locator("html").getAttribute("lang"), "en");
});

test("every control has a name a screen reader can read", async () => {
  const p = await page("en-GB");
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByTestId("card-name").waitFor();
  const unnamed = await p.evaluate(() =>
    [...document.querySelectorAll("button, input, select")]
      .filter((el) => !(el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent).trim())
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unnamed, []);
});
