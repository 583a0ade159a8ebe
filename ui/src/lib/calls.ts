// What the call list and the pop card show, computed from the engine's view: kept apart
// from the components so it is tested without a browser.
import type { AgentView, CallContext, Control, DeskView, LineView, PopMatch, ScreenPop, TrayItem } from "./backend";
import { translate, type Key, type Language } from "./i18n";
import type { KeyAction } from "./keys";

/** A running timer: `m:ss`, or `h:mm:ss` from an hour. */
export function elapsed(fromMs: number, nowMs: number): string {
  const total = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The state in the manuals' words; the colleague's line of a consultation says so. */
export function stateText(lang: Language, line: LineView): string {
  if (line.consulting && line.status === "connected") return translate(lang, "consulting");
  return translate(lang, `status_${line.status}` as Key);
}

/** Who the line is with: the contact, else the number in human format, else as received. */
export function who(lang: Language, line: LineView): string {
  return line.contact ?? line.display ?? (line.number || translate(lang, "unknownCaller"));
}

/** A control's label. Hanging up on a caller held during a consultation releases them. */
export function controlText(lang: Language, control: Control, line: LineView, lines: LineView[]): string {
  const consulting = lines.some((l) => l.consulting);
  if (control === "hangup" && consulting && !line.consulting && line.status === "on_hold") {
    return translate(lang, "control_release");
  }
  if (control === "record" && line.recording !== "off") return translate(lang, "control_stop_recording");
  return translate(lang, `control_${control}` as Key);
}

/** The line's recording in words, or null when it is not recorded. */
export function recordingText(lang: Language, line: LineView): string | null {
  if (line.recording === "on") return translate(lang, "recordingOn");
  if (line.recording === "paused") return translate(lang, "recordingPaused");
  return null;
}

/** The line's sound in words when it is poor enough to hear (null otherwise). */
export function poorSoundText(lang: Language, line: LineView): string | null {
  const q = line.quality;
  if (!q?.poor) return null;
  const number = (n: number) => n.toLocaleString(lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 });
  return translate(lang, "poorSound", { mos: number(q.mos), loss: number(q.loss_percent) });
}

/** Controls that need a number (a transfer or consult target) or digits first. */
export function needsInput(control: Control): "target" | "digits" | null {
  if (control === "blind_transfer" || control === "consult") return "target";
  if (control === "dtmf") return "digits";
  return null;
}

/** Why a contact matched the caller, in words. */
export function reasonText(lang: Language, match: PopMatch): string {
  const r = match.reason;
  switch (r.reason) {
    case "last_digits":
      return translate(lang, "reason_last_digits", { digits: String(r.digits) });
    default:
      return translate(lang, `reason_${r.reason}` as Key);
  }
}

/** The pop card's headline: the number in human format, the colleague, or why unknown. */
export function popHeadline(lang: Language, pop: ScreenPop): string {
  switch (pop.caller.kind) {
    case "external":
      return pop.display;
    case "internal":
      return translate(lang, "popInternal", { name: pop.caller.name ?? pop.caller.extension });
    case "unknown":
      return pop.caller.reason === "anonymous" || pop.caller.reason === "withheld"
        ? translate(lang, "popAnonymous")
        : translate(lang, "popUnknown");
  }
}

/** The pop's context lines, in reading order: what the caller dialled, where the call was
 * first meant for, the queue, the menu choice, the subject; only those the headers gave. */
export function contextLines(context: CallContext): Array<[Key, string]> {
  const lines: Array<[Key, string | null]> = [
    ["popDialled", context.dialled],
    ["popDiverted", context.diverted_from],
    ["popQueue", context.queue],
    ["popIvr", context.ivr],
    ["popSubject", context.subject],
    ["popIntercom", context.auto_answer === null ? null : String(context.auto_answer)],
  ];
  return lines.filter((l): l is [Key, string] => l[1] !== null && l[1] !== "");
}

const TALKING: readonly LineView["status"][] = ["connected", "in_conference"];
const OUTGOING: readonly LineView["status"][] = ["dialing", "ringing_out", "early_media"];

/** The line and control a key's action acts on, given the lines shown (oldest first): answer
 * the ringing call, hold the call in progress (or resume the held one), hang up (the call in
 * progress first, else the ringing one), transfer the call in progress. */
export function shortcut(action: KeyAction, lines: readonly LineView[]): { line: LineView; control: Control } | null {
  const first = (ok: (l: LineView) => boolean, control: Control) => {
    const line = lines.find((l) => ok(l) && l.controls.includes(control));
    return line ? { line, control } : null;
  };
  switch (action) {
    case "answer":
      return first((l) => l.status === "ringing_in", "answer");
    case "hold":
      return first((l) => TALKING.includes(l.status), "hold") ?? first((l) => l.status === "on_hold", "resume");
    case "hangup":
      return (
        first((l) => TALKING.includes(l.status) || OUTGOING.includes(l.status), "hangup") ??
        first((l) => l.status === "ringing_in", "reject")
      );
    case "transfer":
      return first((l) => l.status === "connected", "blind_transfer");
    default:
      return null;
  }
}

/** The tray icon's tooltip and menu for the desk's view and the agent's state. The state,
 *  in words, is also the menu's first line: some Linux trays show no tooltip. */
export function trayView(
  lang: Language,
  view: DeskView | null,
  agent: AgentView | null,
): { tooltip: string; items: TrayItem[] } {
  const lines = view?.lines ?? [];
  const ringing = lines.find((l) => l.status === "ringing_in");
  const talking = lines.find((l) => TALKING.includes(l.status));
  const connected = (view?.accounts ?? []).some((a) => a.registration.state === "registered");
  let calls: string | null = null;
  if (ringing) calls = translate(lang, "tray_ringing", { who: who(lang, ringing) });
  else if (talking) calls = translate(lang, "tray_talking", { who: who(lang, talking) });
  else if (lines.length > 0) calls = translate(lang, "tray_calls", { count: String(lines.length) });
  else if (!connected) calls = translate(lang, "tray_offline");
  const presence = agent
    ? translate(lang, `presence_${agent.presence}` as Key) + (agent.reason ? ` (${agent.reason})` : "")
    : null;
  const state = [presence, calls].filter((s) => s !== null).join(" — ") || translate(lang, "tray_ready");
  return {
    tooltip: `Switchboard — ${state}`,
    items: [
      { id: "state", label: state, enabled: false },
      { id: "show", label: translate(lang, "tray_show"), enabled: true },
      { id: "answer", label: translate(lang, "control_answer"), enabled: ringing !== undefined },
      { id: "hangup", label: translate(lang, "control_hangup"), enabled: lines.some((l) => l.status !== "ringing_in") },
      { id: "quit", label: translate(lang, "tray_quit"), enabled: true },
    ],
  };
}

/** The OS notification of a call ringing while the window is not in front. */
export function popNotification(lang: Language, pop: ScreenPop): { title: string; body: string } {
  const first = pop.matches[0];
  const name = first?.contact?.display_name ?? first?.company?.name;
  const lines = [name ? `${name} — ${popHeadline(lang, pop)}` : popHeadline(lang, pop)];
  if (first?.company && first.contact) lines.push(first.company.name);
  if (pop.context.queue) lines.push(`${translate(lang, "popQueue")} : ${pop.context.queue}`);
  return { title: translate(lang, "notifyTitle"), body: lines.join("\n") };
}

/** The key action of a control, for its tooltip and `aria-keyshortcuts`. */
export function actionOfControl(control: Control): KeyAction | null {
  switch (control) {
    case "answer":
      return "answer";
    case "hold":
    case "resume":
      return "hold";
    case "hangup":
      return "hangup";
    case "blind_transfer":
      return "transfer";
    default:
      return null;
  }
}
