// The agent's working state as the window shows it: the countdown of a timed wrap-up, the
// lists typed one item per line in the settings.
import type { AgentView, Presence } from "./backend";

/** The presences the agent can choose, in the menu's order. */
export const PRESENCES: Presence[] = ["ready", "not_ready", "wrap_up", "do_not_disturb", "offline"];

/** `m:ss` for a countdown in milliseconds (rounded up: 0:01 until it is over). */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** The time left of the agent's wrap-up `elapsedMs` after `view` came; null when untimed. */
export function wrapUpLeft(view: AgentView | null, elapsedMs: number): number | null {
  const left = view?.wrap_up?.remaining_ms;
  return left === null || left === undefined ? null : Math.max(0, left - elapsedMs);
}

/** A textarea's lines: trimmed, without the empty ones or repeats. */
export function lines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const item = line.trim();
    if (item !== "" && !out.includes(item)) out.push(item);
  }
  return out;
}

/** Whether leaving wrap-up must wait for a disposition code. */
export function needsDisposition(view: AgentView | null, chosen: string): boolean {
  return view?.presence === "wrap_up" && view.require_disposition && chosen.trim() === "";
}
