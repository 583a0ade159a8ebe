// The call history as the window lists it: missed calls, durations, filters.
import type { HistoryEntry } from "./backend";

export type HistoryFilter = "all" | "missed" | "in" | "out";

/** Why the phone itself refused a call before it rang (call filter, agent not ready, limit). */
const SCREENED = ["filtered", "filtered_anonymous", "agent_unavailable", "forwarded", "limit"];

/** A call the phone refused or forwarded without ringing: not a missed call. */
export function isScreened(e: HistoryEntry): boolean {
  return e.end_reason !== null && SCREENED.includes(e.end_reason);
}

/** An incoming call that rang and nobody answered. */
export function isMissed(e: HistoryEntry): boolean {
  return e.direction === "in" && e.answered_at === null && e.ended_at !== null && !isScreened(e);
}

/** The talk time, `m:ss`, of an answered and ended call; empty otherwise. */
export function duration(e: HistoryEntry): string {
  if (!e.answered_at || !e.ended_at) return "";
  const seconds = Math.max(0, Math.round((Date.parse(e.ended_at) - Date.parse(e.answered_at)) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export function matches(e: HistoryEntry, filter: HistoryFilter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "missed":
      return isMissed(e);
    default:
      return e.direction === filter;
  }
}

/** Missed calls newer than `seenAt` (an RFC 3339 time, or null for never). */
export function unseenMissed(entries: readonly HistoryEntry[], seenAt: string | null): number {
  return entries.filter((e) => isMissed(e) && (seenAt === null || e.started_at > seenAt)).length;
}

export type Period = "any" | "today" | "week" | "month" | "day";

/** Whether the call began in `period` as seen at `now`: today since local midnight, the
 * last 7 or 30 days, or on `day` (`YYYY-MM-DD`, local time; any day while none is picked). */
export function inPeriod(e: HistoryEntry, period: Period, now: Date, day = ""): boolean {
  if (period === "any") return true;
  const started = Date.parse(e.started_at);
  if (period === "day") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    if (!m) return true;
    const from = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
    const to = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
    return started >= from && started < to;
  }
  if (period === "today") {
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    return started >= midnight;
  }
  const days = period === "week" ? 7 : 30;
  return started >= now.getTime() - days * 86_400_000;
}

/** Lower case without accents or spaces, as the contact search compares. */
function folded(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f\s]/g, "").toLowerCase();
}

/** Whether the call is with someone whose name or number holds `text` (accents, case and
 * spaces ignored; `01 99` finds `+33199...` by its last digits too). */
export function withParty(e: HistoryEntry, text: string): boolean {
  const wanted = folded(text);
  if (wanted === "") return true;
  const digits = wanted.replace(/\D/g, "");
  const national = digits.replace(/^0/, "");
  return (
    folded(e.contact_name ?? "").includes(wanted) ||
    folded(e.remote_raw).includes(wanted) ||
    (digits.length >= 3 && (e.remote_e164 ?? "").includes(national))
  );
}
