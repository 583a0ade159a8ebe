import { describe, expect, it } from "vitest";
import type { AgentView, LineView, ScreenPop } from "./backend";
import {
  contextLines,
  controlText,
  elapsed,
  popNotification,
  poorSoundText,
  recordingText,
  trayView,
  needsInput,
  popHeadline,
  reasonText,
  shortcut,
  stateText,
  who,
} from "./calls";

function line(overrides: Partial<LineView>): LineView {
  return {
    line: "a",
    incoming: true,
    number: "0199009999",
    display: "+33 1 99 00 99 99",
    contact: null,
    company: null,
    status: "connected",
    consulting: false,
    held_by_remote: false,
    started_ms: 0,
    connected_ms: 0,
    controls: [],
    transfer_request: null,
    recording: "off",
    quality: null,
    ...overrides,
  };
}

describe("call list", () => {
  it("counts the time of a call", () => {
    expect(elapsed(0, 0)).toBe("0:00");
    expect(elapsed(0, 65_400)).toBe("1:05");
    expect(elapsed(0, 3_725_000)).toBe("1:02:05");
    expect(elapsed(10_000, 0)).toBe("0:00");
  });

  it("names states in the manuals' words, consulting included", () => {
    expect(stateText("fr", line({ status: "on_hold" }))).toBe("En attente");
    expect(stateText("en", line({ status: "ringing_in" }))).toBe("Ringing (in)");
    expect(stateText("en", line({ consulting: true }))).toBe("Consulting");
    expect(stateText("fr", line({ status: "in_conference" }))).toBe("Conférence");
  });

  it("shows the contact first, then the number", () => {
    expect(who("en", line({ contact: "Claire Duval" }))).toBe("Claire Duval");
    expect(who("en", line({}))).toBe("+33 1 99 00 99 99");
    expect(who("en", line({ display: null }))).toBe("0199009999");
    expect(who("fr", line({ display: null, number: "" }))).toBe("Inconnu");
  });

  it("releases the held caller during a consultation", () => {
    const caller = line({ status: "on_hold" });
    const colleague = line({ line: "b", consulting: true });
    expect(controlText("fr", "hangup", caller, [caller, colleague])).toBe("Libérer");
    expect(controlText("fr", "hangup", colleague, [caller, colleague])).toBe("Raccrocher");
    expect(controlText("en", "hangup", caller, [caller])).toBe("Hang up");
  });

  it("says when a call is recorded, and the Record button then stops it", () => {
    const plain = line({});
    expect(recordingText("en", plain)).toBeNull();
    expect(controlText("en", "record", plain, [plain])).toBe("Record");
    const recorded = line({ recording: "on" });
    expect(recordingText("fr", recorded)).toBe("Enregistrement");
    expect(controlText("en", "record", recorded, [recorded])).toBe("Stop recording");
    const paused = line({ recording: "paused" });
    expect(recordingText("en", paused)).toBe("Recording paused");
    expect(controlText("fr", "record", paused, [paused])).toBe("Arrêter l'enregistrement");
  });

  it("says the sound is poor only when it is, with its figures", () => {
    expect(poorSoundText("en", line({}))).toBeNull();
    const good = line({ quality: { mos: 4.3, loss_percent: 0, jitter_ms: 2, poor: false } });
    expect(poorSoundText("en", good)).toBeNull();
    const poor = line({ quality: { mos: 3.14, loss_percent: 8.5, jitter_ms: 60, poor: true } });
    expect(poorSoundText("en", poor)).toBe("Poor sound: MOS 3.1, 8.5 % lost");
    expect(poorSoundText("fr", poor)).toBe("Son dégradé : MOS 3,1, 8,5 % perdus");
  });

  it("asks for a target or digits where a control needs one", () => {
    expect(needsInput("consult")).toBe("target");
    expect(needsInput("blind_transfer")).toBe("target");
    expect(needsInput("dtmf")).toBe("digits");
    expect(needsInput("hold")).toBeNull();
  });
});

describe("screen pop", () => {
  it("lists only the context the headers gave, in reading order", () => {
    const none = { dialled: null, diverted_from: null, queue: null, ivr: null, subject: null, auto_answer: null };
    expect(contextLines(none)).toEqual([]);
    expect(contextLines({ ...none, subject: "Commande 1234", dialled: "0800123456", queue: "" })).toEqual([
      ["popDialled", "0800123456"],
      ["popSubject", "Commande 1234"],
    ]);
  });

  const base: Omit<ScreenPop, "caller" | "display"> = {
    event: "pop",
    call: "c",
    matches: [],
    context: { dialled: null, diverted_from: null, queue: null, ivr: null, subject: null, auto_answer: null },
    recent: [],
  };

  it("heads with the number, the colleague, or why the caller is unknown", () => {
    expect(popHeadline("en", { ...base, caller: { kind: "external", e164: "+33199009999" }, display: "+33 1 99 00 99 99" })).toBe("+33 1 99 00 99 99");
    expect(popHeadline("fr", { ...base, caller: { kind: "internal", extension: "2004", name: "Paul" }, display: "2004" })).toBe("Interne : Paul");
    expect(popHeadline("en", { ...base, caller: { kind: "unknown", reason: "anonymous" }, display: "" })).toBe("Withheld number");
  });

  it("says why each contact matched", () => {
    const match = { contact: null, company: null, matched_number: "+33199009999" };
    expect(reasonText("en", { ...match, reason: { reason: "exact" } })).toBe("same number");
    expect(reasonText("fr", { ...match, reason: { reason: "last_digits", digits: 9 } })).toBe("mêmes 9 derniers chiffres");
    expect(reasonText("en", { ...match, reason: { reason: "company_switchboard" } })).toBe("company switchboard");
  });
});

describe("shortcuts", () => {
  const ringing = line({ line: "r", status: "ringing_in", controls: ["answer", "reject"] });
  const talking = line({ line: "t", controls: ["hold", "blind_transfer", "consult", "hangup"] });
  const held = line({ line: "h", status: "on_hold", controls: ["resume", "hangup"] });

  it("answer the ringing call, hold the talking one, resume a held one", () => {
    expect(shortcut("answer", [talking, ringing])).toEqual({ line: ringing, control: "answer" });
    expect(shortcut("hold", [held, talking])).toEqual({ line: talking, control: "hold" });
    expect(shortcut("hold", [held])).toEqual({ line: held, control: "resume" });
    expect(shortcut("answer", [talking])).toBeNull();
  });

  it("hang up the call in progress before a ringing one, and transfer the talking one", () => {
    expect(shortcut("hangup", [ringing, talking])).toEqual({ line: talking, control: "hangup" });
    expect(shortcut("hangup", [held, ringing])).toEqual({ line: ringing, control: "reject" });
    expect(shortcut("transfer", [held, talking])).toEqual({ line: talking, control: "blind_transfer" });
    expect(shortcut("mute", [talking])).toBeNull();
  });
});

describe("tray", () => {
  const registered = { account: "main", registration: { state: "registered" as const, expires: 600 } };

  const agent = (presence: AgentView["presence"], reason: string | null = null): AgentView => ({
    event: "agent",
    presence,
    reason,
    seconds: 0,
    cause: "agent",
    wrap_up: null,
    offered: null,
    reasons: [],
    dispositions: [],
    require_disposition: false,
  });

  it("says the agent's state in words, first in its menu too, and offers only what can be done", () => {
    expect(trayView("en", null, null).tooltip).toBe("Switchboard — not connected");
    const idle = trayView("fr", { accounts: [registered], lines: [], muted: false }, null);
    expect(idle.tooltip).toBe("Switchboard — disponible");
    expect(idle.items.filter((i) => i.enabled).map((i) => i.id)).toEqual(["show", "quit"]);
    const away = trayView("en", { accounts: [registered], lines: [], muted: false }, agent("not_ready", "Lunch"));
    expect(away.tooltip).toBe("Switchboard — Not ready (Lunch)");
    expect(away.items[0]).toEqual({ id: "state", label: "Not ready (Lunch)", enabled: false });
    const talking = trayView(
      "en",
      {
        accounts: [registered],
        lines: [line({ status: "connected", contact: "Claire Duval" })],
        muted: false,
      },
      agent("ready"),
    );
    expect(talking.tooltip).toBe("Switchboard — Ready — in a call with Claire Duval");
    expect(talking.items.find((i) => i.id === "hangup")?.enabled).toBe(true);
    expect(talking.items.find((i) => i.id === "answer")?.enabled).toBe(false);
  });
});

describe("notification", () => {
  it("names the caller, the company and the queue", () => {
    const pop: ScreenPop = {
      event: "pop",
      call: "c",
      caller: { kind: "external", e164: "+33199009999" },
      display: "+33 1 99 00 99 99",
      matches: [],
      context: { dialled: null, diverted_from: null, queue: null, ivr: null, subject: null, auto_answer: null },
      recent: [],
    };
    expect(popNotification("fr", pop)).toEqual({ title: "Appel entrant", body: "+33 1 99 00 99 99" });
  });
});
