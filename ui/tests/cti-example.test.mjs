// The CTI example page (resources/cti-example.html) as a CRM would serve it, in headless
// Chromium, against the real API of a headless agent (switchboard-cli agent --cti-listen):
// it connects with the token from an allowed origin, shows the agent's state, changes it,
// and says why a call cannot be placed (no SIP account here). Needs the CLI built:
// `$SWITCHBOARD_CLI`, else target/debug/switchboard-cli (scripts/test builds it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const cli = process.env.SWITCHBOARD_CLI ?? path.join(root, "target", "debug", "switchboard-cli");
const token = "example-page-token-0123456789";

let server;
let origin;
let agent;
let api;
let browser;
let dir;

before(async () => {
  assert.ok(fs.existsSync(cli), `${cli} is missing: cargo build -p switchboard-cli (or set SWITCHBOARD_CLI)`);
  const html = fs.readFileSync(path.join(root, "resources", "cti-example.html"));
  server = http.createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  origin = `http://127.0.0.1:${server.address().port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-cti-"));
  agent = spawn(cli, ["--db", path.join(dir, "agent.db"), "agent", "--bind", "127.0.0.1:0",
    "--cti-listen", "127.0.0.1:0", "--cti-token", token, "--cti-origin", origin],
    { stdio: ["pipe", "pipe", "ignore"], detached: true });
  const lines = readline.createInterface({ input: agent.stdout });
  api = await new Promise((ok, fail) => {
    lines.on("line", (line) => {
      const event = JSON.parse(line);
      if (event.event === "cti") ok(event.listen);
    });
    agent.on("exit", (code) => fail(new Error(`the agent stopped (${code})`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (agent && agent.exitCode === null) {
    agent.stdin.write('{"cmd":"quit"}\n');
    await new Promise((done) => agent.on("exit", done));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the example page follows and sets the agent's state through the API", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin + "/");
  await page.fill("#port", api.split(":").at(-1));
  await page.fill("#token", token);
  await page.click("#connect");
  await page.locator("#link", { hasText: "Connecté" }).waitFor();
  await page.locator("#agent", { hasText: "Disponible" }).waitFor();

  await page.selectOption("#presence", "do_not_disturb");
  await page.click("#set-state");
  await page.locator("#agent", { hasText: "Ne pas déranger" }).waitFor();
  const seen = await fetch(`http://${api}/v1/agent`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await seen.json()).presence, "do_not_disturb", "the API says the same");

  await page.fill("#number", "01 44 55 66 77");
  await page.click("#dial");
  await page.locator("#error", { hasText: "no SIP account" }).waitFor();
});

test("with a wrong token the page stays disconnected", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(origin + "/");
  await page.fill("#port", api.split(":").at(-1));
  await page.fill("#token", "not-the-token-000000000000");
  await page.click("#connect");
  await page.click("#set-state");
  await page.locator("#error", { hasText: "bearer token" }).waitFor();
  assert.equal(await page.textContent("#link"), "Déconnecté");
});
