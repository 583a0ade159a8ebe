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
  // The telephone: lines the commands change, as the engine's desk would, each change
  // sent to the window as the shell does.
  const desk = { accounts: [{ account: "main", registration: { state: "registered", expires: 600 } }], lines: [], muted: false };
  const emit = (event, payload) =>
    window.__TAURI_INTERNALS__.invoke("plugin:event|emit", { event, payload });
  const changed = () => emit("desk-changed", structuredClone(desk));
  const controls = {
    ringing_in: ["answer", "reject"],
    ringing_out: ["hangup"],
    connected: ["hold", "blind_transfer", "consult", "dtmf", "record", "hangup"],
    on_hold: ["resume", "blind_transfer", "consult", "hangup"],
  };
  const set = (line, status) => {
    const l = desk.lines.find((x) => x.line === line);
    l.status = status;
    l.controls = [...controls[status]];
    if (status === "connected" && l.connected_ms === null) l.connected_ms = Date.now();
  };
  const add = (line, incoming, number, status, extra = {}) => {
    desk.lines.push({ line, incoming, number, display: null, contact: null, company: null, status, consulting: false,
      held_by_remote: false, started_ms: Date.now(), connected_ms: null, controls: [], transfer_request: null,
      recording: "off", quality: null, ...extra });
    set(line, status);
  };
  // A quality report of the line, as the engine sends every few seconds.
  window.__quality = (line, quality) => {
    desk.lines.find((l) => l.line === line).quality = quality;
    changed();
  };
  window.__askTransfer = (line, to) => {
    desk.lines.find((l) => l.line === line).transfer_request = { to, attended: false };
    changed();
  };
  window.__ring = (pop, number) => {
    add(pop.call, true, number, "ringing_in", { display: pop.display, contact: "Claire Duval" });
    emit("popped", pop);
    changed();
  };
  let consult = null;
  const phone = {
    desk_view: () => desk,
    dial: ({ to }) => {
      if (/[a-z]/i.test(to.replace(/^(tel|callto):/i, ""))) throw { code: "number_letters", message: "letters" };
      add(`out-${desk.lines.length}`, false, to, "ringing_out");
      return `out-${desk.lines.length}`;
    },
    answer: ({ line }) => set(line, "connected"),
    hold: ({ line }) => set(line, "on_hold"),
    resume: ({ line }) => set(line, "connected"),
    hangup: ({ line }) => { desk.lines = desk.lines.filter((l) => l.line !== line); },
    mute: ({ on }) => { desk.muted = on; },
    dtmf: ({ line, digits }) => { window.__tones = `${window.__tones ?? ""}${line}:${digits} `; },
    record: ({ line, on }) => { desk.lines.find((l) => l.line === line).recording = on ? "on" : "off"; },
    consult: ({ line, to }) => {
      set(line, "on_hold");
      add("colleague", false, to, "connected", { consulting: true });
      consult = [line, "colleague"];
      for (const l of consult) desk.lines.find((x) => x.line === l).controls.unshift("complete_transfer", "cancel_consult");
      return "colleague";
    },
    accept_transfer: ({ line }) => {
      desk.lines = desk.lines.filter((l) => l.line !== line);
      add("transferred", false, "2004", "connected");
      return "transferred";
    },
    complete_transfer: () => { desk.lines = desk.lines.filter((l) => !consult.includes(l.line)); },
    account_settings: () => saved,
    dial_plan: () => plan,
    save_dial_plan: ({ plan: next }) => {
      if (next.area_code.startsWith("0")) {
        throw { code: "plan_area_code", message: "the area code", field: "area_code" };
      }
      plan = next;
    },
    history: () => {
      if (location.hash === "#many") {
        // 10,000 calls, one a minute going back from now.
        return Array.from({ length: 10000 }, (_, i) => ({ id: 10000 - i, direction: i % 2 ? "out" : "in",
          remote_raw: `01 99 ${String(i).padStart(6, "0")}`, remote_e164: null, contact_id: null, contact_name: `Caller ${i}`,
          started_at: new Date(Date.now() - (i + 1) * 60000).toISOString(), answered_at: new Date(Date.now() - (i + 1) * 60000 + 2000).toISOString(),
          ended_at: new Date(Date.now() - i * 60000 - 5000).toISOString(), end_reason: "hung_up", recording: null,
          disposition: null, notes: "" }));
      }
      // Times counted back from now: a missed call an hour ago, a call three days ago, one
      // forty days ago.
      const ago = (ms) => new Date(Date.now() - ms).toISOString();
      const hour = 3600000, day = 24 * hour;
      return [
        { id: 3, direction: "in", remote_raw: "0199009999", remote_e164: "+33199009999", contact_id: 7,
          contact_name: null, started_at: ago(hour), answered_at: null, ended_at: ago(hour - 20000),
          end_reason: "remote_cancelled", recording: null, disposition: null, notes: "" },
        { id: 2, direction: "out", remote_raw: "2004", remote_e164: null, contact_id: null, contact_name: null,
          started_at: ago(3 * day), answered_at: ago(3 * day - 4000), ended_at: ago(3 * day - 70000),
          end_reason: "hung_up", recording: "/rec/a.wav", disposition: "sale", notes: "" },
        { id: 1, direction: "in", remote_raw: "+44 161 496 0123", remote_e164: "+441614960123", contact_id: 2,
          contact_name: "Oliver Wright", started_at: ago(40 * day), answered_at: ago(40 * day - 3000),
          ended_at: ago(40 * day - 303000), end_reason: "transferred", recording: null,
          disposition: null, notes: "" },
      ];
    },
    save_account: ({ account, password }) => {
      if (!account.registrar.startsWith("sip:")) {
        throw { code: "invalid_field", message: "registrar: starts with sip:", field: "registrar" };
      }
      if (!password) throw { code: "invalid_field", message: "password: needed", field: "password" };
      saved = [...saved.filter((a) => a.id !== account.id), account];
      window.__passwords = { ...window.__passwords, [account.id]: password };
      desk.accounts = saved.map((a) => ({ account: a.id, registration: { state: "registering", attempt: 1 } }));
    },
  };
  let saved = [];
  let audio = { microphone: "", speaker: "", ringer: "", ringtone: "", echo_cancellation: true,
    noise_suppression: true, codecs: ["G722", "PCMU", "PCMA", "opus"], max_calls: 4, auto_answer: false,
    intercom: false, recording_folder: "", record_every_call: false };
  let heldShortcuts = location.hash === "#held" ? ["dial_clipboard_shortcut"] : [];
  let deskPrefs = { call_screen_url: "", notify: true, answer_shortcut: "Ctrl+Alt+A", dial_clipboard_shortcut: "Ctrl+Alt+D",
    dial_links_at_once: false };
  // The agent's state and rules as the engine keeps them.
  let agentRules = { rules: { wrap_up: { mode: "timed", seconds: 30 }, require_disposition: true, reasons: ["Pause", "Formation"] },
    unavailable: { action: "refuse" }, filter: { mode: "off", entries: [], refuse_anonymous: false }, dispositions: ["Vente", "Rappel"] };
  let agent = { event: "agent", presence: "ready", reason: null, seconds: 0, cause: "agent", wrap_up: null, offered: null,
    reasons: ["Pause", "Formation"], dispositions: ["Vente", "Rappel"], require_disposition: true };
  const agentChanged = (next) => {
    agent = { ...agent, seconds: 0, ...next };
    emit("agent-changed", structuredClone(agent));
  };
  window.__wrapUp = () => agentChanged({ presence: "wrap_up", cause: "call_ended",
    wrap_up: { call: "c9", history_id: 3, remaining_ms: 30000 } });
  window.__endWrapUp = () => agentChanged({ presence: "ready", cause: "wrap_up_expired", wrap_up: null });
  window.__link = (outcome) => emit("link-opened", outcome);
  window.__offer = () => agentChanged({ presence: "ready", offered: { call: "c8", history_id: 4, remaining_ms: null } });
  let cti = { settings: { enabled: false, port: 7474, origins: [] }, token: null, listening: null, problem: null };
  let crm = { url: "", timeout_ms: 800, cache_seconds: 300, name: "/name", company: "/company", id: "/id", link: "/url" };
  window.__crm = (answer) => emit("crm-answered", answer);
  let callerId = { numbers: [{ number: "01 44 55 66 77", label: "Support" }], field: "from", choice: { as: "account" } };
  let plan = { country: "FR", area_code: "", external_prefix: "", extension_len: 4, format: "e164" };
  mockIPC((cmd, args) => {
    window.__calls.push(cmd);
    if (phone[cmd]) {
      const value = phone[cmd](args);
      if (cmd !== "desk_view") setTimeout(changed, 0);
      return value ?? null;
    }
    if (cmd === "search_contacts") {
      const q = args.query.toLowerCase();
      // As the engine does, at most one match more than the window lists.
      if (location.hash === "#many" && q.startsWith("contact")) {
        return Array.from({ length: 201 }, (_, i) => ({ id: i + 1000, display_name: `Contact ${String(i).padStart(6, "0")}`,
          company: null, number: null }));
      }
      return contacts
        .filter((c) => (c.display_name + " " + (c.company ?? "")).toLowerCase().includes(q))
        .map(({ id, display_name, company, number }) => ({ id, display_name, company, number }));
    }
    if (cmd === "contact_count") return location.hash === "#many" ? 100000 : contacts.length;
    if (cmd === "contact_page") {
      window.__pages = [...(window.__pages ?? []), args.offset];
      if (location.hash === "#many") {
        return Array.from({ length: Math.min(args.limit, 100000 - args.offset) }, (_, i) => {
          const n = String(args.offset + i).padStart(6, "0");
          return { id: args.offset + i + 1000, display_name: `Contact ${n}`, company: null, number: `01 00 ${n}` };
        });
      }
      return [...contacts].sort((a, b) => a.display_name.localeCompare(b.display_name))
        .slice(args.offset, args.offset + args.limit)
        .map(({ id, display_name, company, number }) => ({ id, display_name, company, number }));
    }
    if (cmd === "get_contact") {
      const c = contacts.find((x) => x.id === args.id);
      return { ...c, company: c.company ? { id: 0, name: c.company } : null };
    }
    if (cmd === "contact_form") {
      const c = contacts.find((x) => x.id === args.id);
      return { id: c.id, display_name: c.display_name, given_name: c.given_name, family_name: c.family_name,
        company: c.company ?? "", email: c.email, notes: c.notes, numbers: c.numbers.map(({ kind, raw }) => ({ kind, raw })) };
    }
    if (cmd === "save_contact") {
      const f = args.form;
      const name = f.display_name.trim() || `${f.given_name} ${f.family_name}`.trim();
      if (!name) throw { code: "contact_no_name", message: "a contact needs a name", field: "display_name" };
      if (f.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(f.email)) {
        throw { code: "contact_bad_email", message: "not an e-mail address", field: "email" };
      }
      const bad = f.numbers.findIndex((n) => /[a-z]/i.test(n.raw));
      if (bad >= 0) throw { code: "number_letters", message: "letters", field: `number_${bad}` };
      const numbers = f.numbers.filter((n) => n.raw.trim()).map((n, i) => ({ id: 100 + i, kind: n.kind, raw: n.raw, e164: null }));
      const card = { id: f.id ?? 100 + contacts.length, display_name: name, company: f.company || null,
        number: numbers[0]?.raw ?? null, given_name: f.given_name, family_name: f.family_name, email: f.email,
        notes: f.notes, numbers, company_numbers: [] };
      const at = contacts.findIndex((c) => c.id === card.id);
      if (at >= 0) contacts[at] = card; else contacts.push(card);
      window.__saved = f;
      return card.id;
    }
    if (cmd === "delete_contact") {
      const form = { id: args.id, display_name: contacts.find((c) => c.id === args.id).display_name };
      window.__deleted = contacts.find((c) => c.id === args.id);
      contacts.splice(contacts.indexOf(window.__deleted), 1);
      return { form, created_at: "2026-01-01T00:00:00.000Z", calls: [] };
    }
    if (cmd === "restore_contact") {
      contacts.push(window.__deleted);
      return args.deleted.form.id;
    }
    if (cmd === "audio_settings") return audio;
    if (cmd === "save_audio_settings") {
      if (args.audio.codecs.length === 0) throw { code: "invalid_field", message: "codecs: at least one", field: "codecs" };
      if (args.audio.max_calls < 1 || args.audio.max_calls > 8) {
        throw { code: "invalid_field", message: "max_calls: 1 to 8", field: "max_calls" };
      }
      if (args.audio.recording_folder !== "" && !args.audio.recording_folder.startsWith("/")) {
        throw { code: "invalid_field", message: "recording_folder: a full path", field: "recording_folder" };
      }
      audio = args.audio;
      window.__audio = args.audio;
      return null;
    }
    if (cmd === "sound_devices") return [
      { name: "Built-in Audio", id: "builtin", input: false, output: true },
      { name: "Built-in Microphone", id: "builtin.mic", input: true, output: false },
      { name: "USB Headset", id: "usb", input: true, output: true },
    ];
    if (cmd === "test_tone") return true;
    if (cmd === "mic_level") return 12000;
    if (cmd === "desk_settings") return deskPrefs;
    if (cmd === "save_desk_settings") {
      if (!/^https?:\/\//.test(args.desk.call_screen_url) && args.desk.call_screen_url !== "") {
        throw { code: "invalid_field", message: "call_screen_url: not web", field: "call_screen_url" };
      }
      deskPrefs = args.desk;
      // Another application holds Ctrl+Alt+X.
      heldShortcuts = ["answer_shortcut", "dial_clipboard_shortcut"].filter((f) => args.desk[f] === "Ctrl+Alt+X");
      return heldShortcuts;
    }
    if (cmd === "taken_shortcuts") return heldShortcuts;
    if (cmd === "open_call_screen") {
      window.__callScreen = args;
      return deskPrefs.call_screen_url !== "";
    }
    if (cmd === "notify") {
      window.__notified = [...(window.__notified ?? []), args];
      return null;
    }
    if (cmd === "set_tray") {
      window.__tray = args;
      return null;
    }
    if (cmd === "import_contacts") {
      if (!args.path.endsWith(".csv")) throw { code: "store_io", message: "No such file or directory (os error 2)" };
      emit("import-progressed", { rows: 25000, bytes: 500000, total_bytes: 1000000 });
      // The import ends when the test says so.
      return new Promise((done) => { window.__finishImport = () => done({
        imported: 49998, skipped: 2, duplicates: 0,
        errors: [
          { line: 3, reason: "no name and no company", code: "import_no_name", kind: null, value: null },
          { line: 8, reason: "work number", code: "number_too_short", kind: "work", value: "01 23" },
        ],
      }); });
    }
    if (cmd === "pick_import_file") return null;
    if (cmd === "open_recording") return true;
    if (cmd === "note_call") {
      window.__noted = args;
      return null;
    }
    // Drafts outlive the page, as the database file outlives a killed window.
    if (cmd === "save_draft") {
      const kept = JSON.parse(localStorage.getItem("__drafts") ?? "{}");
      if (args.body === "") delete kept[args.key];
      else kept[args.key] = args.body;
      localStorage.setItem("__drafts", JSON.stringify(kept));
      return null;
    }
    if (cmd === "drafts") {
      const kept = JSON.parse(localStorage.getItem("__drafts") ?? "{}");
      return Object.entries(kept).map(([key, body]) => ({ key, body, saved_at: "2026-12-02T10:00:00Z" }));
    }
    if (cmd === "normalize_number") {
      if (dial[args.input]) return dial[args.input];
      throw { code: "number_not_valid", message: "this is not a valid number for FR" };
    }
    if (cmd === "stats") {
      window.__periods = [...(window.__periods ?? []), args.period];
      const week = args.period.label === "week";
      return { from_ms: args.period.from_ms, to_ms: args.period.to_ms,
        calls_in: week ? 40 : 6, calls_out: week ? 25 : 3, answered: week ? 35 : 5, missed: 1, screened: 0,
        connected_out: 2, talk_ms: 1_800_000, hold_ms: 120_000, wrap_up_ms: 300_000, average_handle_ms: 317_143,
        time_in: [{ presence: "ready", ms: 9_000_000 }, { presence: "not_ready", ms: 900_000 },
          { presence: "wrap_up", ms: 300_000 }, { presence: "do_not_disturb", ms: 0 }, { presence: "offline", ms: 0 }],
        slices: args.period.slices.map((from_ms, i) => ({ from_ms, calls_in: i === 9 ? 4 : 0, calls_out: i === 10 ? 3 : 0 })) };
    }
    if (cmd === "export_stats") {
      window.__exported = args.periods.map((p) => p.label);
      return true;
    }
    if (cmd === "crm_settings") return crm;
    if (cmd === "save_crm_settings") {
      if (args.settings.url && !/^https?:\/\/[a-z0-9.:-]+\//i.test(args.settings.url)) {
        throw { code: "invalid_field", field: "crm_url", message: "crm_url: the host must be literal" };
      }
      crm = args.settings;
      window.__crmSaved = args;
      return null;
    }
    if (cmd === "open_web_page") {
      window.__opened = args.url;
      return null;
    }
    if (cmd === "caller_id") return callerId;
    if (cmd === "save_caller_id") {
      if (args.settings.numbers.some((n) => n.label.trim() === "")) {
        throw { code: "invalid_field", field: "label", message: "label: a label of 1 to 60 characters" };
      }
      callerId = args.settings;
      return null;
    }
    if (cmd === "choose_caller_id") {
      callerId = { ...callerId, choice: args.choice };
      window.__presented = args.choice;
      return null;
    }
    if (cmd === "agent_view") return agent;
    if (cmd === "set_agent_state") {
      if (args.presence === "not_ready" && !agent.reasons.includes(args.reason)) {
        throw { code: "reason_required", message: "choose a reason" };
      }
      if (agent.presence === "wrap_up" && args.presence !== "wrap_up" && !window.__noted?.disposition) {
        throw { code: "disposition_required", message: "disposition first" };
      }
      window.__states = [...(window.__states ?? []), args];
      agentChanged({ presence: args.presence, reason: args.reason, cause: "agent", wrap_up: null, offered: null });
      return agent;
    }
    if (cmd === "agent_settings") return agentRules;
    if (cmd === "save_agent_settings") {
      const bad = args.settings.filter.entries.findIndex((e) => /[a-z]/i.test(e));
      if (bad >= 0) {
        throw { code: "invalid_field", field: "filter",
          message: `entry ${bad + 1} ("${args.settings.filter.entries[bad]}"): only digits` };
      }
      agentRules = args.settings;
      window.__agentRules = args.settings;
      return null;
    }
    if (cmd === "take_links") return [];
    if (cmd === "register_link_handler") {
      window.__linkHandler = true;
      return null;
    }
    if (cmd === "cti_view") return cti;
    if (cmd === "save_cti_settings") {
      const bad = args.settings.origins.find((o) => !/^https?:\/\/[^/]+$/.test(o));
      if (bad) throw { code: "invalid_field", field: "origins", message: `origins: ${bad}` };
      const token = cti.token ?? "a".repeat(64);
      cti = { settings: args.settings, token, listening: args.settings.enabled ? `127.0.0.1:${args.settings.port}` : null, problem: null };
      return cti;
    }
    if (cmd === "new_cti_token") {
      cti = { ...cti, token: "b".repeat(64) };
      return cti;
    }
    throw { code: "unknown_command", message: cmd };
  }, { shouldMockEvents: true });
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

async function page(locale, hash = "") {
  const context = await browser.newContext({ locale });
  const p = await context.newPage();
  await p.addInitScript({ content: `${mocks}\n(${engine.toString()})();` });
  await p.goto(base + hash);
  return p;
}

test("search, open a card, click a number: it is called", async () => {
  const p = await page("en-GB");
  await p.getByRole("button", { name: /Oliver Wright/ }).waitFor();
  assert.equal(await p.getByTestId("results").locator("li").count(), 2);
  await p.getByLabel("Search contacts").fill("dupont");
  await p.getByTestId("results").locator("li").filter({ hasText: "Oliver" }).waitFor({ state: "detached" });
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  assert.equal(await p.getByTestId("card-name").textContent(), "Jeanne Dupont");
  await p.getByRole("button", { name: "Call 01 23 45 67 89" }).click();
  await p.getByTestId("status").filter({ hasText: "Calling +33 1 23 45 67 89…" }).waitFor();
  await p.getByTestId("call").filter({ hasText: "Ringing (out)" }).waitFor();
  // A number in the notes is a link too.
  await p.getByRole("button", { name: "Call 06 12 34 56 78" }).click();
  await p.getByTestId("status").filter({ hasText: "Calling +33 6 12 34 56 78…" }).waitFor();
  await p.getByLabel("Search contacts").fill("nobody");
  await p.getByTestId("no-results").waitFor();
});

test("a number the plan cannot read says what is wrong", async () => {
  const p = await page("en-US");
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByRole("button", { name: "Call 06 1A 34" }).click();
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
  await p.getByRole("button", { name: "Appeler le 01 23 45 00 00" }).click();
  await p.getByTestId("status").filter({ hasText: "Appel de +33 1 23 45 00 00…" }).waitFor();
  await p.getByTestId("language").selectOption("en");
  await p.getByLabel("Search contacts").waitFor();
  assert.equal(await p.locator("html").getAttribute("lang"), "en");
});

test("every control of every panel has a name a screen reader can read", async () => {
  const p = await page("en-GB");
  const unnamed = () => p.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, meter")]
      .filter((el) => !(el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent).trim())
      .map((el) => el.outerHTML),
  );
  await p.getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByTestId("card-name").waitFor();
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").waitFor();
  assert.deepEqual(await unnamed(), [], "contacts, card, pop, calls");
  await p.getByRole("button", { name: "Edit Jeanne Dupont" }).click();
  await p.getByTestId("contact-editor").waitFor();
  assert.deepEqual(await unnamed(), [], "the contact form");
  await p.getByTestId("tab-history").click();
  await p.getByTestId("history-row").first().waitFor();
  await p.getByTestId("history-notes").first().click();
  assert.deepEqual(await unnamed(), [], "the history and its notes");
  await p.getByTestId("settings").click();
  await p.getByTestId("audio-form").waitFor();
  assert.deepEqual(await unnamed(), [], "the settings");
});

const duvalPop = {
  event: "pop",
  call: "in-1",
  caller: { kind: "external", e164: "+33199009999" },
  display: "+33 1 99 00 99 99",
  matches: [
    { contact: { id: 7, display_name: "Claire Duval", company: null, number: null },
      company: { id: 3, name: "Duval & Fils" }, matched_number: "+33199009999", reason: { reason: "exact" } },
    { contact: null, company: { id: 4, name: "Duval Holding" }, matched_number: "+33199000000",
      reason: { reason: "company_switchboard" } },
  ],
  context: { dialled: "0800123456", diverted_from: null, queue: "Support niveau 1", ivr: "2 - Facturation",
    subject: null, auto_answer: null },
  recent: [
    { id: 9, direction: "in", remote_raw: "0199009999", remote_e164: "+33199009999", contact_id: 7,
      started_at: "2026-11-30T15:00:00.000Z", answered_at: "2026-11-30T15:00:04.000Z",
      ended_at: "2026-11-30T15:03:00.000Z", end_reason: "hung_up", recording: null,
      disposition: "callback", notes: "Facture 1234 contestée" },
  ],
};

const unknownPop = {
  event: "pop",
  call: "in-2",
  caller: { kind: "external", e164: "+33612345678" },
  display: "+33 6 12 34 56 78",
  matches: [],
  context: { dialled: null, diverted_from: null, queue: null, ivr: null, subject: null, auto_answer: null },
  recent: [],
};

/** The names of the controls a call row offers. */
async function controlsOf(p, status) {
  const row = p.locator(`[data-testid="call"][data-status="${status}"]`).first();
  await row.waitFor();
  return row.locator(".controls button.control").allTextContents();
}

test("a call rings: the pop names the caller and why, and only its controls show", async () => {
  const p = await page("en-GB");
  await p.getByTestId("accounts").filter({ hasText: "main: ready" }).waitFor();
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  const pop = p.getByTestId("pop");
  await pop.waitFor();
  assert.equal(await p.getByTestId("pop-caller").textContent(), "+33 1 99 00 99 99");
  assert.deepEqual(await p.getByTestId("pop-reason").allTextContents(), ["same number", "company switchboard"]);
  assert.match(await pop.textContent(), /Claire Duval.*Duval & Fils/);
  assert.deepEqual(await controlsOf(p, "ringing_in"), ["Answer", "Reject"]);
  assert.equal(await p.getByTestId("call-state").textContent(), "Ringing (in)");

  await pop.getByRole("button", { name: "Answer" }).click();
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
  await pop.waitFor({ state: "detached" });
  assert.deepEqual(await controlsOf(p, "connected"),
    ["Hold", "Blind transfer", "Consult", "Keys", "Record", "Hang up"]);
  assert.match(await p.getByTestId("call-timer").textContent(), /^0:0\d$/);

  await p.getByRole("button", { name: "Hold: Claire Duval" }).click();
  await p.locator('[data-testid="call"][data-status="on_hold"]').waitFor();
  assert.equal(await p.getByTestId("call-state").textContent(), "On hold");
  await p.getByRole("button", { name: "Resume: Claire Duval" }).click();
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
});

test("consult a colleague, then complete the transfer", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").getByRole("button", { name: "Answer" }).click();
  await p.getByRole("button", { name: "Consult: Claire Duval" }).click();
  // The target can be picked from the contacts, or from the latest calls.
  await p.getByTestId("call-entry").fill("dupont");
  await p.locator('[data-testid="targets"] option[value="01 23 45 67 89"][label="Jeanne Dupont"]').waitFor({ state: "attached" });
  await p.getByTestId("call-entry").fill("2004");
  await p.locator('[data-testid="targets"] option[value="2004"][label="recent call"]').waitFor({ state: "attached" });
  await p.getByTestId("call").getByRole("button", { name: "Consult", exact: true }).click();
  await p.getByTestId("call").nth(1).waitFor();
  const states = await p.getByTestId("call-state").allTextContents();
  assert.deepEqual(states, ["On hold", "Consulting"]);
  // The held caller is released, not hung up on, while the colleague is consulted.
  assert.ok((await controlsOf(p, "on_hold")).includes("Release"));
  await p.getByRole("button", { name: "Complete transfer: Claire Duval" }).click();
  await p.getByTestId("no-calls").waitFor();
});

test("a recorded call says so and Record then stops it; poor sound is said in words", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").getByRole("button", { name: "Answer" }).click();
  await p.getByRole("button", { name: "Record: Claire Duval" }).click();
  await p.getByTestId("call-recording").filter({ hasText: "Recording" }).waitFor();
  const stop = p.getByRole("button", { name: "Stop recording: Claire Duval" });
  assert.equal(await stop.getAttribute("aria-pressed"), "true");
  await stop.click();
  await p.getByTestId("call-recording").waitFor({ state: "detached" });
  assert.equal(await p.getByRole("button", { name: "Record: Claire Duval" }).getAttribute("aria-pressed"), "false");
  // Poor sound says so, with its figures.
  await p.evaluate((line) => window.__quality(line, { mos: 3.1, loss_percent: 9, jitter_ms: 60, poor: true }), duvalPop.call);
  await p.getByTestId("call-quality").filter({ hasText: "Poor sound: MOS 3.1, 9 % lost" }).waitFor();
});

test("during a call the keypad sends tones to it; with a number typed it dials again", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").getByRole("button", { name: "Answer" }).click();
  await p.getByTestId("keypad-tones").filter({ hasText: "Keypad: tones to Claire Duval" }).waitFor();
  await p.getByRole("button", { name: "Key 5", exact: true }).click();
  await p.getByRole("button", { name: "Key #", exact: true }).click();
  await p.waitForFunction((line) => window.__tones === `${line}:5 ${line}:# `, duvalPop.call);
  // A number typed in the box: the keys add to it, for a new call.
  await p.getByTestId("dial-box").fill("01");
  await p.getByTestId("keypad-tones").waitFor({ state: "detached" });
  await p.getByRole("button", { name: "Key 2", exact: true }).click();
  assert.equal(await p.getByTestId("dial-box").inputValue(), "012");
});

test("the dial box says what is wrong with a number, and calls a good one", async () => {
  const p = await page("en-GB");
  await p.getByTestId("dial-box").fill("01 2A");
  await p.getByRole("button", { name: "Call", exact: true }).click();
  await p.getByTestId("dial-error").filter({ hasText: "Letters are not allowed in a number." }).waitFor();
  assert.equal(await p.getByTestId("dial-box").getAttribute("aria-invalid"), "true");
  await p.getByTestId("dial-box").fill("");
  for (const key of ["2", "0", "0", "4"]) await p.getByRole("button", { name: `Key ${key}` }).click();
  assert.equal(await p.getByTestId("dial-box").inputValue(), "2004");
  await p.getByRole("button", { name: "Call", exact: true }).click();
  await p.locator('[data-testid="call"][data-status="ringing_out"]').waitFor();
  assert.equal(await p.getByTestId("dial-error").textContent(), "");
  assert.equal(await p.getByTestId("call-state").textContent(), "Ringing (out)");
});

test("mute shows on the button and in words", async () => {
  const p = await page("fr-FR");
  const mute = p.getByTestId("mute");
  await mute.click();
  await p.getByText("Micro coupé").waitFor();
  assert.equal(await mute.getAttribute("aria-pressed"), "true");
  assert.equal((await mute.textContent()).trim(), "Rétablir le micro");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  assert.deepEqual(await controlsOf(p, "ringing_in"), ["Répondre", "Refuser"]);
});

test("an account is saved from the settings; a wrong field is said at the field", async () => {
  const p = await page("fr-FR");
  await p.getByTestId("settings").click();
  await p.getByTestId("account-registrar").fill("pbx.example.com");
  await p.getByTestId("account-user").fill("1001");
  await p.getByTestId("account-password").fill("secret");
  // A lifetime that is not a number is said at its field, before anything is sent.
  await p.getByTestId("account-expires").fill("abc");
  await p.getByTestId("account-form").getByRole("button", { name: "Enregistrer" }).click();
  await p.getByTestId("error-expires").filter({ hasText: "Entre 60 et 86400 secondes." }).waitFor();
  // The cursor goes to the refused field, whose message a screen reader then reads.
  await p.waitForFunction(() => document.activeElement?.dataset.testid === "account-expires");
  await p.getByTestId("account-expires").fill("600");
  await p.getByTestId("account-form").getByRole("button", { name: "Enregistrer" }).click();
  await p.getByTestId("error-registrar").filter({ hasText: "sip:hôte" }).waitFor();
  assert.equal(await p.getByTestId("account-registrar").getAttribute("aria-invalid"), "true");
  await p.waitForFunction(() => document.activeElement?.dataset.testid === "account-registrar");
  await p.getByTestId("account-registrar").fill("sip:pbx.example.com");
  await p.getByTestId("account-form").getByRole("button", { name: "Enregistrer" }).click();
  await p.getByTestId("account-list").filter({ hasText: "main — 1001 @ sip:pbx.example.com (UDP)" }).waitFor();
  assert.equal(await p.getByTestId("error-registrar").textContent(), "");
  assert.deepEqual(await p.evaluate(() => window.__passwords), { main: "secret" });
  // The password is never shown again.
  assert.equal(await p.getByTestId("account-password").inputValue(), "");
  await p.getByTestId("accounts").filter({ hasText: "main : connexion…" }).waitFor();
});

test("keys: F2 answers, F3 holds and resumes, F6 mutes, F7 opens the transfer box, F4 hangs up", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.locator('[data-testid="call"][data-status="ringing_in"]').waitFor();
  await p.keyboard.press("F2");
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
  await p.keyboard.press("F3");
  await p.locator('[data-testid="call"][data-status="on_hold"]').waitFor();
  await p.keyboard.press("F3");
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
  await p.keyboard.press("F6");
  await p.getByText("Microphone muted").waitFor();
  assert.equal(await p.getByRole("button", { name: "Hold: Claire Duval" }).getAttribute("aria-keyshortcuts"), "F3");
  // The transfer key opens the target box with the cursor in it.
  await p.keyboard.press("F7");
  await p.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "call-entry");
  await p.keyboard.type("2004");
  assert.equal(await p.getByTestId("call-entry").inputValue(), "2004");
  await p.getByTestId("call").getByRole("button", { name: "Cancel" }).click();
  await p.keyboard.press("F4");
  await p.getByTestId("no-calls").waitFor();
});

test("the other party asks to transfer the agent: accepted, the new call shows", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").getByRole("button", { name: "Answer" }).click();
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
  await p.evaluate(() => window.__askTransfer("in-1", "sip:2004@pbx"));
  const ask = p.getByTestId("transfer-request");
  await ask.waitFor();
  assert.equal((await ask.locator("p").textContent()).trim(), "Claire Duval asks to transfer you to sip:2004@pbx.");
  await ask.getByRole("button", { name: "Accept the transfer" }).click();
  await p.getByTestId("call-who").filter({ hasText: "2004" }).waitFor();
  await ask.waitFor({ state: "detached" });
  assert.ok((await p.evaluate(() => window.__calls)).includes("accept_transfer"));
});

test("the history: a missed-call badge, filters, how each call ended, call back", async () => {
  const p = await page("en-GB");
  await p.getByTestId("missed-badge").filter({ hasText: "1 missed" }).waitFor();
  await p.getByTestId("tab-history").click();
  await p.getByTestId("history-row").nth(2).waitFor();
  assert.equal(await p.getByTestId("missed-badge").count(), 0, "seen once the history is open");
  assert.deepEqual(await p.getByTestId("history-outcome").allTextContents(), ["Missed", "You hung up", "Transferred"]);
  assert.match(await p.getByTestId("history-row").nth(1).textContent(), /1:06/);
  // At the window's own size and narrower, every button lies whole inside its row (the list's
  // rows have a fixed height: a wrapped line would cut them).
  for (const width of [1000, 800]) {
    await p.setViewportSize({ width, height: 700 });
    const cut = await p.evaluate(() => [...document.querySelectorAll('[data-testid="history-row"]')].flatMap((row) => {
      const r = row.getBoundingClientRect();
      return [...row.querySelectorAll("button")]
        .filter((b) => { const x = b.getBoundingClientRect(); return x.bottom > r.bottom + 0.5 || x.right > r.right + 0.5; })
        .map((b) => b.textContent);
    }));
    assert.deepEqual(cut, [], `at ${width} px`);
  }
  await p.getByTestId("filter-missed").click();
  assert.equal(await p.getByTestId("history-row").count(), 1);
  await p.getByRole("button", { name: "Call back 0199009999" }).click();
  await p.locator('[data-testid="call"][data-status="ringing_out"]').waitFor();
  assert.ok((await p.evaluate(() => window.__calls)).includes("dial"));
});

test("the dial plan is edited in the settings; a wrong area code is said at its field", async () => {
  const p = await page("en-GB");
  await p.getByTestId("settings").click();
  await p.getByTestId("plan-country").fill("GB");
  await p.getByTestId("plan-area_code").fill("0161");
  await p.getByTestId("plan-format").selectOption("national");
  // An emptied extension length is no length: said at its field.
  const length = await p.getByTestId("plan-extension_len").inputValue();
  await p.getByTestId("plan-extension_len").fill("");
  await p.getByTestId("plan-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("plan-error-extension_length").filter({ hasText: "A whole number from 0 to 8." }).waitFor();
  await p.getByTestId("plan-extension_len").fill(length);
  await p.getByTestId("plan-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("plan-error-area_code").filter({ hasText: "without the leading 0" }).waitFor();
  await p.waitForFunction(() => document.activeElement?.dataset.testid === "plan-area_code");
  assert.equal(await p.getByTestId("plan-area_code").getAttribute("aria-describedby"), "plan-error-area_code");
  await p.getByTestId("plan-area_code").fill("161");
  await p.getByTestId("plan-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Dial plan saved." }).waitFor();
  assert.equal(await p.getByTestId("plan-error-area_code").textContent(), "");
});

test("the pop shows what the call is about and the last calls with their notes", async () => {
  const p = await page("fr-FR");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  const context = p.getByTestId("pop-context");
  await context.waitFor();
  assert.deepEqual(await context.locator("dt").allTextContents(), ["Numéro appelé", "File d'attente", "Choix du menu"]);
  assert.deepEqual(await context.locator("dd").allTextContents(), ["0800123456", "Support niveau 1", "2 - Facturation"]);
  const recent = p.getByTestId("pop-recent");
  assert.match(await recent.textContent(), /Entrant.*callback.*Facture 1234 contestée/);
});

test("an unknown caller becomes a contact from the pop; a wrong field is said at the field", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0612345678"), unknownPop);
  await p.getByTestId("pop").getByRole("button", { name: "Create contact" }).click();
  const editor = p.getByTestId("contact-editor");
  await editor.waitFor();
  assert.equal(await p.getByTestId("contact-number_0").inputValue(), "+33 6 12 34 56 78", "the caller's number is filled in");
  await p.getByTestId("contact-given_name").fill("Paul");
  await p.getByTestId("contact-family_name").fill("Lemaire");
  await p.getByTestId("contact-email").fill("paul at lemaire");
  await p.getByTestId("contact-save").click();
  await p.getByTestId("contact-error-email").filter({ hasText: "name@domain" }).waitFor();
  assert.equal(await p.getByTestId("contact-email").getAttribute("aria-invalid"), "true");
  assert.equal(await p.getByTestId("contact-given_name").inputValue(), "Paul", "nothing typed is lost");
  await p.getByTestId("contact-email").fill("paul@lemaire.example");
  await p.getByTestId("add-number").click();
  await p.getByTestId("contact-number_1").fill("01 2A");
  await p.getByTestId("contact-save").click();
  await p.getByTestId("contact-error-number_1").filter({ hasText: "Letters are not allowed" }).waitFor();
  await p.getByRole("button", { name: "Remove number 2" }).click();
  await p.getByTestId("contact-save").click();
  await p.getByTestId("card-name").filter({ hasText: "Paul Lemaire" }).waitFor();
  await p.getByTestId("status").filter({ hasText: "Paul Lemaire added to the contacts." }).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__saved.numbers), [{ kind: "work", raw: "+33 6 12 34 56 78" }]);
  await p.getByTestId("results").getByRole("button", { name: /Paul Lemaire/ }).waitFor();
});

test("a contact is edited, deleted, and the deletion undone", async () => {
  const p = await page("en-GB");
  await p.getByRole("button", { name: /Oliver Wright/ }).click();
  await p.getByRole("button", { name: "Edit Oliver Wright" }).click();
  await p.getByTestId("contact-company").fill("Wright & Co");
  await p.getByTestId("contact-save").click();
  await p.getByTestId("status").filter({ hasText: "Oliver Wright saved." }).waitFor();
  await p.getByTestId("card").getByText("Wright & Co").waitFor();
  await p.getByRole("button", { name: "Delete Oliver Wright" }).click();
  await p.getByTestId("undo-bar").filter({ hasText: "Oliver Wright deleted." }).waitFor();
  await p.getByTestId("results").getByRole("button", { name: /Oliver Wright/ }).waitFor({ state: "detached" });
  await p.getByTestId("undo-delete").click();
  await p.getByTestId("card-name").filter({ hasText: "Oliver Wright" }).waitFor();
  await p.getByTestId("results").getByRole("button", { name: /Oliver Wright/ }).waitFor();
  assert.equal(await p.getByTestId("undo-bar").count(), 0);
});

test("a call's notes and disposition are written in the history", async () => {
  const p = await page("en-GB");
  await p.getByTestId("tab-history").click();
  await p.getByTestId("history-row").nth(2).waitFor();
  assert.deepEqual(await p.getByTestId("history-disposition").allTextContents(), ["sale"]);
  // The codes are the ones set in the settings; a call keeps its own older code among them.
  await p.getByRole("button", { name: "Notes of the call with 2004" }).click();
  assert.deepEqual(await p.getByTestId("notes-disposition").locator("option").allTextContents(), ["—", "sale", "Vente", "Rappel"]);
  assert.equal(await p.getByTestId("notes-disposition").inputValue(), "sale");
  await p.getByTestId("notes-cancel").click();
  await p.getByRole("button", { name: "Notes of the call with +44 161 496 0123" }).click();
  assert.deepEqual(await p.getByTestId("notes-disposition").locator("option").allTextContents(), ["—", "Vente", "Rappel"]);
  await p.getByTestId("notes-text").fill("Wants a quote for 20 seats");
  await p.getByTestId("notes-disposition").selectOption("Rappel");
  await p.getByTestId("notes-save").click();
  await p.getByTestId("history-note-text").filter({ hasText: "Wants a quote for 20 seats" }).waitFor();
  assert.deepEqual(await p.getByTestId("history-disposition").allTextContents(), ["sale", "Rappel"]);
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 1, notes: "Wants a quote for 20 seats", disposition: "Rappel" });
  await p.getByTestId("status").filter({ hasText: "Notes saved." }).waitFor();
});

/** The drafts the mocked store holds now. */
const storedDrafts = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("__drafts") ?? "{}"));
/** Waits until the mocked store holds a draft `key` containing `text`. */
/** Waits until the mocked store holds a draft whose key starts with `prefix` and whose text
 * contains `text`. */
const draftHolds = (p, prefix, text) =>
  p.waitForFunction(([k, x]) => Object.entries(JSON.parse(localStorage.getItem("__drafts") ?? "{}"))
    .some(([key, body]) => key.startsWith(k) && body.includes(x)), [prefix, text]);

test("what is typed stays through another tab and comes back after the window is killed", async () => {
  const p = await page("en-GB");
  await p.getByTestId("new-contact").click();
  await p.getByTestId("contact-given_name").fill("Marc");
  await p.getByTestId("contact-family_name").fill("Delorme");
  await p.getByTestId("contact-number_0").fill("01 23 45 67 00");
  // Another tab and back: the form is as it was left.
  await p.getByTestId("tab-history").click();
  await p.getByRole("button", { name: "Notes of the call with +44 161 496 0123" }).click();
  await p.getByTestId("notes-text").fill("Devis pour 20 postes");
  // Another call's notes meanwhile: the first ones are kept as typed.
  await p.getByRole("button", { name: "Notes of the call with 2004" }).click();
  assert.equal(await p.getByTestId("notes-text").inputValue(), "");
  await p.getByRole("button", { name: "Notes of the call with +44 161 496 0123" }).click();
  assert.equal(await p.getByTestId("notes-text").inputValue(), "Devis pour 20 postes");
  await p.getByTestId("tab-contacts").click();
  assert.equal(await p.getByTestId("contact-family_name").inputValue(), "Delorme");
  assert.equal(await p.getByTestId("contact-number_0").inputValue(), "01 23 45 67 00");
  await p.getByTestId("tab-history").click();
  assert.equal(await p.getByTestId("notes-text").inputValue(), "Devis pour 20 postes");

  // The window goes away without Save: both come back when it starts again.
  await draftHolds(p, "contact:", "Delorme");
  await draftHolds(p, "notes:1", "Devis pour 20 postes");
  await p.reload();
  await p.getByTestId("status").filter({ hasText: "The call notes you were typing" }).waitFor();
  assert.equal(await p.getByTestId("contact-family_name").inputValue(), "Delorme");
  assert.equal(await p.getByTestId("contact-given_name").inputValue(), "Marc");
  await p.getByTestId("tab-history").click();
  assert.equal(await p.getByTestId("notes-text").inputValue(), "Devis pour 20 postes");
  await p.getByTestId("notes-save").click();
  await p.getByTestId("status").filter({ hasText: "Notes saved." }).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 1, notes: "Devis pour 20 postes", disposition: null });

  // Another form, or a card, opened meanwhile sets a form aside; each is resumed whole.
  await p.getByTestId("tab-contacts").click();
  await p.getByTestId("new-contact").click();
  await p.getByTestId("parked-bar").filter({ hasText: "Marc Delorme: not saved yet." }).waitFor();
  await p.getByTestId("contact-given_name").fill("Zoé");
  await p.getByTestId("contact-family_name").fill("Garnier");
  await draftHolds(p, "contact:", "Garnier");
  await p.getByRole("button", { name: /Oliver Wright/ }).click();
  await p.getByTestId("parked-bar").filter({ hasText: "Zoé Garnier: not saved yet." }).waitFor();
  await p.getByRole("button", { name: "Resume editing Marc Delorme" }).click();
  assert.equal(await p.getByTestId("contact-family_name").inputValue(), "Delorme");
  await p.getByTestId("contact-save").click();
  await p.getByTestId("card-name").filter({ hasText: "Marc Delorme" }).waitFor();
  await p.getByTestId("status").filter({ hasText: "Marc Delorme added to the contacts." }).waitFor();
  assert.deepEqual(await p.getByTestId("parked-bar").allTextContents().then((t) => t.map((x) => x.split(":")[0].trim())),
    ["Zoé Garnier"]);
  await p.getByRole("button", { name: "Discard Zoé Garnier" }).click();
  await p.getByTestId("parked-bar").waitFor({ state: "detached" });

  // Edit on a contact whose form is set aside takes that form up again: one form per contact.
  await p.getByTestId("results").getByRole("button", { name: /Oliver Wright/ }).click();
  await p.getByRole("button", { name: "Edit Oliver Wright" }).click();
  await p.getByTestId("contact-company").fill("Wright & Sons");
  await draftHolds(p, "contact:", "Wright & Sons");
  await p.getByTestId("results").getByRole("button", { name: /Jeanne Dupont/ }).click();
  await p.getByTestId("parked-bar").filter({ hasText: "Oliver Wright: not saved yet." }).waitFor();
  await p.getByTestId("results").getByRole("button", { name: /Oliver Wright/ }).click();
  await p.getByRole("button", { name: "Edit Oliver Wright" }).click();
  assert.equal(await p.getByTestId("contact-company").inputValue(), "Wright & Sons");
  assert.equal(await p.getByTestId("parked-bar").count(), 0);
  await p.getByTestId("contact-cancel").click();
  await p.waitForFunction(() => Object.keys(JSON.parse(localStorage.getItem("__drafts") ?? "{}")).length === 0);
  assert.deepEqual(await storedDrafts(p), {}, "nothing is left once saved or discarded");
});

test("notes typed in a wrap-up reach the call when the wrap-up ends without Done, or after a killed window", async () => {
  const p = await page("en-GB");
  await p.evaluate(() => window.__wrapUp());
  await p.getByTestId("wrap-up-notes").fill("Client absent, rappeler");
  await p.evaluate(() => window.__endWrapUp());
  await p.getByTestId("wrap-up").waitFor({ state: "detached" });
  await p.waitForFunction(() => window.__noted?.id === 3);
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 3, notes: "Client absent, rappeler", disposition: null });
  await p.waitForFunction(() => Object.keys(JSON.parse(localStorage.getItem("__drafts") ?? "{}")).length === 0);

  // Killed in the middle of a wrap-up: the next window saves what was typed to its call.
  await p.evaluate(() => window.__wrapUp());
  await p.getByTestId("wrap-up-disposition").selectOption("Vente");
  await p.getByTestId("wrap-up-notes").fill("Commande de 3 casques");
  await draftHolds(p, "wrap-up:3", "Commande de 3 casques");
  await p.reload();
  await p.getByTestId("status").filter({ hasText: "unfinished wrap-up were saved to their call (1)" }).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 3, notes: "Commande de 3 casques", disposition: "Vente" });
  assert.deepEqual(await storedDrafts(p), {});

  // Notes saved in the history during the wrap-up win: its end does not write over them.
  await p.evaluate(() => window.__wrapUp());
  await p.getByTestId("wrap-up-notes").fill("brouillon");
  await p.getByTestId("tab-history").click();
  await p.getByRole("button", { name: "Notes of the call with 0199009999" }).click();
  await p.getByTestId("notes-text").fill("Rappelé, réglé");
  await p.getByTestId("notes-disposition").selectOption("Vente");
  await p.getByTestId("notes-save").click();
  await p.getByTestId("status").filter({ hasText: "Notes saved." }).waitFor();
  await p.evaluate(() => window.__endWrapUp());
  await p.getByTestId("wrap-up").waitFor({ state: "detached" });
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 3, notes: "Rappelé, réglé", disposition: "Vente" });
  assert.equal(await p.evaluate(() => window.__calls.filter((c) => c === "note_call").length), 2,
    "the settled draft at start, then the history's save, and nothing after");
});

test("a global shortcut another application holds is said at start and at its field", async () => {
  const p = await page("en-GB", "#held");
  await p.getByTestId("status").filter({ hasText: "A global shortcut is already used by another application." }).waitFor();
  await p.getByTestId("settings").click();
  await p.getByTestId("desk-error-dial_clipboard_shortcut").filter({ hasText: "Another application uses this key" }).waitFor();
  assert.equal(await p.getByTestId("desk-dial_clipboard_shortcut").getAttribute("aria-invalid"), "true");
  // Saved with a key that is free: the message goes; with one that is held, it is said there.
  await p.getByTestId("desk-dial_clipboard_shortcut").fill("Ctrl+Alt+K");
  await p.getByTestId("desk-answer_shortcut").fill("Ctrl+Alt+X");
  await p.getByTestId("desk-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("desk-error-answer_shortcut").filter({ hasText: "Another application uses this key" }).waitFor();
  assert.equal(await p.getByTestId("desk-error-dial_clipboard_shortcut").textContent(), "");
  await p.waitForFunction(() => document.activeElement?.dataset.testid === "desk-answer_shortcut");
  await p.getByTestId("desk-answer_shortcut").fill("Ctrl+Alt+A");
  await p.getByTestId("desk-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Desk settings saved." }).waitFor();
  assert.equal(await p.getByTestId("desk-error-answer_shortcut").textContent(), "");
});

test("a click on the ringing call opens its contact card, or the CRM page once one is set", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByRole("button", { name: "Open the call screen of +33 1 99 00 99 99" }).click();
  await p.getByTestId("card-name").filter({ hasText: "Jeanne Dupont" }).waitFor({ state: "detached" });
  assert.deepEqual(await p.evaluate(() => window.__callScreen), { call: "in-1", number: "0199009999", contactId: 7 });

  await p.getByTestId("settings").click();
  await p.getByTestId("desk-call_screen_url").fill("crm.example/?p={e164}");
  await p.getByTestId("desk-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("desk-error-call_screen_url").filter({ hasText: "An http:// or https:// address" }).waitFor();
  await p.getByTestId("desk-call_screen_url").fill("https://crm.example/?p={e164}");
  await p.getByTestId("desk-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Desk settings saved." }).waitFor();
  assert.equal(await p.getByTestId("desk-error-call_screen_url").textContent(), "");
  await p.getByRole("button", { name: "Open the call screen of +33 1 99 00 99 99" }).click();
  await p.waitForFunction(() => window.__calls.filter((c) => c === "open_call_screen").length === 2);
  assert.equal(await p.getByTestId("contact-editor").count(), 0, "the CRM page opened, nothing else");
  // Once answered, the call's row opens it too.
  await p.getByTestId("pop").getByRole("button", { name: "Answer" }).click();
  await p.getByRole("button", { name: "Open the call screen of Claire Duval" }).click();
  await p.waitForFunction(() => window.__calls.filter((c) => c === "open_call_screen").length === 3);
});

test("a call ringing while the agent is in another application is notified, and the tray says it", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").waitFor();
  assert.equal(await p.evaluate(() => window.__notified), undefined, "the window is in front: no notification");
  await p.waitForFunction(() => window.__tray?.tooltip === "Switchboard — Ready — call from Claire Duval");
  assert.deepEqual(await p.evaluate(() => window.__tray.items.map((i) => [i.id, i.enabled])),
    [["state", false], ["show", true], ["answer", true], ["hangup", false], ["quit", true]]);

  // The agent works in the CRM: the window has lost the focus.
  await p.evaluate(() => { document.hasFocus = () => false; });
  await p.evaluate((pop) => window.__ring({ ...pop, call: "in-9" }, "0199009999"), duvalPop);
  await p.waitForFunction(() => window.__notified?.length === 1);
  assert.deepEqual(await p.evaluate(() => window.__notified[0]), {
    title: "Incoming call",
    body: "Claire Duval — +33 1 99 00 99 99\nDuval & Fils\nQueue : Support niveau 1",
  });
});

test("contacts are imported with a progress bar and each refused row said by line", async () => {
  const p = await page("fr-FR");
  await p.getByTestId("import-contacts").click();
  await p.getByTestId("import-path").fill("/tmp/absent.vcf");
  await p.getByTestId("import-start").click();
  await p.getByRole("alert").filter({ hasText: "Le fichier ne peut pas être lu" }).waitFor();
  await p.getByTestId("import-path").fill("/home/agent/clients.csv");
  await p.getByTestId("import-start").click();
  await p.getByTestId("import-progress").waitFor();
  await p.getByText(/^25\s000 lignes lues$/).waitFor();
  // Another tab meanwhile: back on the contacts, the import is still followed.
  await p.getByTestId("tab-history").click();
  await p.getByTestId("import-panel").waitFor({ state: "detached" });
  await p.getByTestId("tab-contacts").click();
  await p.getByText(/^25\s000 lignes lues$/).waitFor();
  assert.equal(await p.getByTestId("import-start").isDisabled(), true, "one import at a time");
  await p.evaluate(() => window.__finishImport());
  await p.getByTestId("import-summary").filter({ hasText: /49\s998 importés, 0 déjà présents, 2 refusés\./ }).waitFor();
  assert.deepEqual(await p.getByTestId("import-errors").locator("li").allTextContents(), [
    "Ligne 3 — Ni nom ni société.",
    "Ligne 8 — numéro bureau « 01 23 » : Le numéro est trop court.",
  ]);
  assert.equal(await p.getByTestId("import-start").isDisabled(), false);
});

test("100,000 contacts: only the rows in view are drawn, and scrolling loads the pages it reaches", async () => {
  const p = await page("en-GB", "#many");
  await p.getByTestId("result-count").filter({ hasText: "100000 contacts" }).waitFor();
  await p.getByRole("button", { name: /Contact 000000/ }).waitFor();
  const drawn = await p.getByTestId("results").locator("li").count();
  assert.ok(drawn > 5 && drawn < 60, `${drawn} rows drawn`);
  assert.deepEqual(await p.evaluate(() => window.__pages), [0]);
  // Halfway down: the rows there come in, and no page between is fetched.
  await p.getByTestId("results-list").evaluate((el) => { el.scrollTop = 58 * 50000; });
  await p.getByRole("button", { name: /Contact 050000/ }).waitFor();
  const pages = await p.evaluate(() => window.__pages);
  assert.ok(pages.includes(50000) && pages.length <= 3, `pages fetched: ${pages}`);
  assert.ok((await p.getByTestId("results").locator("li").count()) < 60);
  const pos = await p.getByRole("button", { name: /Contact 050000/ }).evaluate((b) => b.closest("li").getAttribute("aria-posinset"));
  assert.equal(pos, "50001");

  // A search that finds more than the list holds says so, rather than a count it does not know.
  await p.getByTestId("search").fill("Contact");
  await p.getByTestId("result-count").filter({ hasText: "The first 200 found: type more to narrow the search." }).waitFor();
  assert.equal(await p.getByTestId("results").locator("li").first().getAttribute("aria-setsize"), "200");
});

test("10,000 calls in the history: only the rows in view are drawn, and the oldest is reached", async () => {
  const p = await page("en-GB", "#many");
  await p.getByTestId("tab-history").click();
  await p.getByTestId("history-row").filter({ hasText: "Caller 0" }).first().waitFor();
  const drawn = await p.getByTestId("history-row").count();
  assert.ok(drawn > 3 && drawn < 60, `${drawn} rows drawn`);
  await p.getByTestId("history-list").evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await p.getByTestId("history-row").filter({ hasText: "Caller 9999" }).waitFor();
  assert.ok((await p.getByTestId("history-row").count()) < 60);
  // Filtering 10,000 calls by name answers with the one call.
  await p.getByTestId("history-party").fill("Caller 4321");
  await p.getByTestId("history-row").filter({ hasText: "Caller 4321" }).waitFor();
  assert.equal(await p.getByTestId("history-row").count(), 1);
});

test("the history filters by period and by name or number, and plays a recording", async () => {
  const p = await page("en-GB");
  await p.getByTestId("tab-history").click();
  await p.getByTestId("history-row").nth(2).waitFor();
  await p.getByTestId("history-party").fill("0123");
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
  assert.match(await p.getByTestId("history-row").textContent(), /Oliver Wright/);
  await p.getByTestId("history-party").fill("");
  await p.getByTestId("history-period").selectOption("today");
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
  assert.deepEqual(await p.getByTestId("history-outcome").allTextContents(), ["Missed"]);
  await p.getByTestId("history-period").selectOption("week");
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 2);
  // One day picked in the calendar: the call of three days ago alone.
  await p.getByTestId("history-period").selectOption("day");
  const threeDaysAgo = await p.evaluate(() => {
    const d = new Date(Date.now() - 3 * 86400000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  await p.getByTestId("history-day").fill(threeDaysAgo);
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
  assert.deepEqual(await p.getByTestId("history-outcome").allTextContents(), ["You hung up"]);
  await p.getByTestId("history-period").selectOption("any");
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 3);
  await p.getByRole("button", { name: "Play the recording of the call with 2004" }).click();
  await p.waitForFunction(() => window.__calls.includes("open_recording"));
});

test("sound and calls: devices chosen from the system's, a test tone, the meter, codecs in order", async () => {
  const p = await page("en-GB");
  await p.getByTestId("settings").click();
  await p.locator('[data-testid="audio-microphone"] option[value="usb"]').waitFor({ state: "attached" });
  assert.deepEqual(await p.getByTestId("audio-microphone").locator("option").allTextContents(),
    ["System default", "Built-in Microphone", "USB Headset"]);
  // A device picked is in use at once (the test tone and the meter try it); the form's other
  // changes wait for Save.
  await p.getByTestId("audio-auto_answer").check();
  await p.getByTestId("audio-microphone").selectOption("usb");
  await p.getByTestId("status").filter({ hasText: "USB Headset is in use now." }).waitFor();
  assert.deepEqual(await p.evaluate(() => [window.__audio.microphone, window.__audio.speaker, window.__audio.auto_answer]),
    ["usb", "", false]);
  await p.getByTestId("audio-speaker").selectOption("usb");
  await p.waitForFunction(() => window.__audio.speaker === "usb");
  assert.equal(await p.evaluate(() => window.__audio.auto_answer), false);
  await p.waitForFunction(() => Number(document.querySelector('[data-testid="audio-level"]').value) === 12000);
  await p.getByTestId("audio-test").click();
  await p.waitForFunction(() => window.__calls.includes("test_tone"));
  // Opus left out, PCMA before PCMU.
  await p.getByRole("checkbox", { name: "Use opus" }).uncheck();
  await p.getByRole("button", { name: "Move PCMA up" }).click();
  assert.deepEqual(await p.getByTestId("audio-codecs").locator(".codec").allTextContents(), ["G722", "PCMA", "PCMU", "opus"]);
  await p.getByTestId("audio-max_calls").fill("9");
  await p.getByTestId("audio-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("audio-error-max_calls").filter({ hasText: "Between 1 and 8." }).waitFor();
  await p.getByTestId("audio-max_calls").fill("2");
  await p.getByTestId("audio-recording_folder").fill("recordings");
  await p.getByTestId("audio-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("audio-error-recording_folder").filter({ hasText: "A full path to a folder that exists." }).waitFor();
  await p.getByTestId("audio-recording_folder").fill("/srv/recordings");
  await p.getByTestId("audio-record_every_call").check();
  await p.getByTestId("audio-auto_answer").check();
  await p.getByTestId("audio-intercom").check();
  await p.getByTestId("audio-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Sound and call settings saved and applied." }).waitFor();
  const saved = await p.evaluate(() => window.__audio);
  assert.deepEqual(
    [saved.microphone, saved.speaker, saved.codecs, saved.max_calls, saved.auto_answer, saved.intercom,
      saved.recording_folder, saved.record_every_call],
    ["usb", "usb", ["G722", "PCMA", "PCMU"], 2, true, true, "/srv/recordings", true]);
});

test("the window's keys are the agent's: a new hold key works at once and is kept", async () => {
  const p = await page("en-GB");
  await p.getByTestId("settings").click();
  await p.getByTestId("key-hold").click();
  await p.keyboard.press("h");
  await p.getByTestId("keys-problem").filter({ hasText: "This key types" }).waitFor();
  await p.keyboard.press("F2");
  await p.getByTestId("keys-problem").filter({ hasText: "F2 is already used" }).waitFor();
  // The desk's global answer key never reaches the window.
  await p.keyboard.press("Control+Alt+a");
  await p.getByTestId("keys-problem").filter({ hasText: "Ctrl+Alt+A is a global shortcut (see Desk)" }).waitFor();
  await p.keyboard.press("Control+Alt+h");
  await p.getByTestId("key-hold").filter({ hasText: "Ctrl+Alt+H" }).waitFor();
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.keyboard.press("F2");
  await p.locator('[data-testid="call"][data-status="connected"]').waitFor();
  await p.keyboard.press("F3");
  await p.keyboard.press("Control+Alt+h");
  await p.locator('[data-testid="call"][data-status="on_hold"]').waitFor();
  assert.equal(await p.getByRole("button", { name: "Resume: Claire Duval" }).getAttribute("aria-keyshortcuts"), "Ctrl+Alt+H");
  assert.equal(await p.evaluate(() => JSON.parse(localStorage.getItem("switchboard.keys")).hold), "Ctrl+Alt+H");
  await p.getByTestId("keys-reset").click();
  await p.getByTestId("key-hold").filter({ hasText: "F3" }).waitFor();
});

test("the agent's state: Not ready asks its reason; a wrap-up counts down and waits for its disposition", async () => {
  const p = await page("fr-FR");
  const presence = p.getByTestId("agent-presence");
  await p.getByTestId("agent").and(p.locator("[data-presence=ready]")).waitFor();
  await presence.selectOption("not_ready");
  // Nothing changes until the reason is chosen.
  await p.getByTestId("agent-reason").selectOption("Formation");
  await p.getByTestId("agent").and(p.locator("[data-presence=not_ready]")).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__states), [{ presence: "not_ready", reason: "Formation" }]);
  await presence.selectOption("ready");
  await p.getByTestId("agent").and(p.locator("[data-presence=ready]")).waitFor();

  // A call ends: the timed wrap-up.
  await p.evaluate(() => window.__wrapUp());
  const wrap = p.getByTestId("wrap-up");
  await wrap.waitFor();
  assert.match(await p.getByTestId("wrap-up-left").textContent(), /^0:(30|29|28)$/);
  assert.equal(await presence.inputValue(), "wrap_up");
  const done = p.getByTestId("wrap-up-done");
  assert.equal(await done.isDisabled(), true, "a disposition code is required");
  await p.getByTestId("wrap-up-disposition").selectOption("Rappel");
  await p.getByTestId("wrap-up-notes").fill("Rappeler jeudi");
  await done.click();
  await p.getByTestId("agent").and(p.locator("[data-presence=ready]")).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__noted), { id: 3, notes: "Rappeler jeudi", disposition: "Rappel" });
  await wrap.waitFor({ state: "detached" });

  // Optional wrap-up: offered after the call, taken when the agent wants it.
  await p.evaluate(() => window.__offer());
  await p.getByTestId("wrap-up-offer").getByRole("button").click();
  await p.getByTestId("agent").and(p.locator("[data-presence=wrap_up]")).waitFor();
  assert.deepEqual((await p.evaluate(() => window.__states)).at(-1), { presence: "wrap_up", reason: null });
});

test("a tel: link clicked elsewhere is offered, and dialled once the agent confirms", async () => {
  const p = await page("en-GB");
  await p.getByTestId("agent").waitFor();
  await p.evaluate(() => window.__link({ outcome: "confirm", input: "tel:+33612345678",
    number: { kind: "external", e164: "+33612345678", dial: "0033612345678", display: "+33 6 12 34 56 78" } }));
  const bar = p.getByTestId("link-bar");
  await bar.filter({ hasText: "Call +33 6 12 34 56 78?" }).waitFor();
  await p.getByTestId("link-call").click();
  await bar.waitFor({ state: "detached" });
  await p.getByTestId("status").filter({ hasText: "Calling +33 6 12 34 56 78…" }).waitFor();
  await p.getByTestId("call").filter({ hasText: "tel:+33612345678" }).waitFor();
  // Dismissed, nothing is dialled.
  await p.evaluate(() => window.__link({ outcome: "confirm", input: "tel:2004",
    number: { kind: "internal", e164: null, dial: "2004", display: "2004" } }));
  await p.getByTestId("link-dismiss").click();
  await bar.waitFor({ state: "detached" });
  assert.equal(await p.getByTestId("call").count(), 1);
});

test("the agent's workflow, the call filter and the CTI API are set in the settings", async () => {
  const p = await page("en-GB");
  await p.getByTestId("settings").click();
  await p.getByTestId("agent-wrap-up").selectOption("mandatory");
  await p.getByTestId("agent-reasons").fill("Break\nTraining\n\nBreak");
  await p.getByTestId("agent-forward").check();
  await p.getByTestId("agent-forward-to").fill("2005");
  await p.getByTestId("agent-filter-mode").selectOption("block");
  await p.getByTestId("agent-filter-entries").fill("0899*\n06 CALL ME");
  await p.getByTestId("agent-form").getByRole("button", { name: "Save" }).click();
  const filterError = p.getByTestId("agent-error-filter");
  await filterError.filter({ hasText: "entry 2" }).waitFor();
  assert.match(await filterError.textContent(), /A line cannot be read/);
  await p.getByTestId("agent-filter-entries").fill("0899*\n06 12 34 56 78");
  await p.getByTestId("agent-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Agent workflow saved." }).waitFor();
  const rules = await p.evaluate(() => window.__agentRules);
  assert.deepEqual(rules.rules.wrap_up, { mode: "mandatory" });
  assert.deepEqual(rules.rules.reasons, ["Break", "Training"]);
  assert.deepEqual(rules.unavailable, { action: "forward", to: "2005" });
  assert.deepEqual(rules.filter, { mode: "block", entries: ["0899*", "06 12 34 56 78"], refuse_anonymous: false });

  await p.getByTestId("cti-enabled").check();
  await p.getByTestId("cti-origins").fill("https://crm.example.com/app");
  await p.getByTestId("cti-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("cti-error-origins").filter({ hasText: "https://crm.example.com" }).waitFor();
  await p.getByTestId("cti-origins").fill("https://crm.example.com");
  await p.getByTestId("cti-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("cti-state").filter({ hasText: "Listening on 127.0.0.1:7474." }).waitFor();
  assert.equal(await p.getByTestId("cti-token").inputValue(), "a".repeat(64));
  await p.getByTestId("cti-renew").click();
  await p.getByTestId("status").filter({ hasText: "New token" }).waitFor();
  assert.equal(await p.getByTestId("cti-token").inputValue(), "b".repeat(64));
  await p.getByTestId("register-links").click();
  await p.getByTestId("status").filter({ hasText: "now opens tel:" }).waitFor();
});

test("statistics: today's figures and calls per hour, this week's, exported as CSV", async () => {
  const p = await page("fr-FR");
  await p.getByTestId("tab-stats").click();
  await p.getByTestId("stats-figures").and(p.locator("[data-period=today]")).waitFor();
  assert.equal(await p.getByTestId("stat-statsIn").textContent(), "6");
  assert.equal(await p.getByTestId("stat-statsAht").textContent(), "5:17");
  assert.equal(await p.getByTestId("stat-statsTalk").textContent(), "30:00");
  const today = (await p.evaluate(() => window.__periods))[0];
  assert.equal(today.slices.length, 24, "by the hour");
  assert.equal(new Date(today.from_ms).getHours(), 0, "from local midnight");
  assert.equal(await p.getByTestId("stats-chart").locator("g").count(), 24);
  await p.getByTestId("stats-states").locator("li[data-presence=ready]").filter({ hasText: "2:30:00" }).waitFor();
  await p.getByTestId("stats-week").click();
  await p.getByTestId("stats-figures").and(p.locator("[data-period=week]")).waitFor();
  assert.equal(await p.getByTestId("stat-statsIn").textContent(), "40");
  assert.equal(await p.getByTestId("stats-chart").locator("g").count(), 7, "by the day");
  await p.getByTestId("stats-export").click();
  await p.getByTestId("status").filter({ hasText: "Statistiques exportées." }).waitFor();
  assert.deepEqual(await p.evaluate(() => window.__exported), ["today", "week"]);
});

test("the caller ID is chosen by the dial box and stays; its numbers are set in the settings", async () => {
  const p = await page("en-GB");
  const menu = p.getByTestId("caller-id");
  await menu.locator("option", { hasText: "Support — 01 44 55 66 77" }).waitFor({ state: "attached" });
  assert.equal(await menu.inputValue(), "account");
  await menu.selectOption({ label: "Anonymous (number hidden)" });
  await p.waitForFunction(() => window.__presented?.as === "anonymous");
  await p.getByTestId("dial-box").fill("2004");
  await p.getByTestId("dial-box").press("Enter");
  await p.getByTestId("call").filter({ hasText: "2004" }).waitFor();
  assert.equal(await menu.inputValue(), "anonymous", "the choice stays for the next calls");

  await p.getByTestId("settings").click();
  await p.getByTestId("caller-id-add").click();
  await p.getByTestId("caller-id-number-1").fill("01 55 66 77 88");
  await p.getByTestId("caller-id-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("caller-id-error").filter({ hasText: "needs a name" }).waitFor();
  await p.getByTestId("caller-id-label-1").fill("Ventes");
  await p.getByTestId("caller-id-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "Caller ID numbers saved." }).waitFor();
  await menu.locator("option", { hasText: "Ventes — 01 55 66 77 88" }).waitFor({ state: "attached" });
});

test("the CRM's record joins the pop when it comes, and its page opens; the lookup is set in the settings", async () => {
  const p = await page("en-GB");
  await p.evaluate((pop) => window.__ring(pop, "0199009999"), duvalPop);
  await p.getByTestId("pop").waitFor();
  assert.equal(await p.getByTestId("pop-crm").count(), 0, "the pop does not wait for the CRM");
  await p.evaluate((call) => window.__crm({ event: "crm", call, failure: null,
    record: { name: "Claire Duval", company: "Duval SARL", id: "4711", link: "https://crm.example/c/4711" } }), duvalPop.call);
  const crm = p.getByTestId("pop-crm");
  await crm.filter({ hasText: "Duval SARL" }).waitFor();
  await p.getByTestId("pop-crm-open").click();
  await p.waitForFunction(() => window.__opened === "https://crm.example/c/4711");

  await p.getByTestId("settings").click();
  await p.getByTestId("crm-url").fill("https://{e164}.crm.example/");
  await p.getByTestId("crm-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("crm-error-url").filter({ hasText: "literal host" }).waitFor();
  await p.getByTestId("crm-url").fill("https://crm.example/api/lookup?phone={e164}");
  await p.getByTestId("crm-name").fill("/results/0/name");
  await p.getByTestId("crm-token").fill("s3cret");
  await p.getByTestId("crm-form").getByRole("button", { name: "Save" }).click();
  await p.getByTestId("status").filter({ hasText: "CRM lookup saved." }).waitFor();
  const saved = await p.evaluate(() => window.__crmSaved);
  assert.equal(saved.settings.name, "/results/0/name");
  assert.equal(saved.settings.timeout_ms, 800);
  assert.equal(saved.token, "s3cret");
  assert.equal(await p.getByTestId("crm-token").inputValue(), "", "the token is not shown again");
});
