// The call history as the window lists it: missed calls, durations, filters.
import type { HistoryEntry } from "./backend";

export type HistoryFilter = "all" | "missed" | "in" | "out";

/** An incoming call nobody answered. */
export function isMissed(e: HistoryEntry): boolean {
  return e.direction === "in" && e.answered_at === null && e.ended_at !== null;
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
