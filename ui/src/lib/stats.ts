// The periods of the Stats view in the agent's own time zone (today by the hour, this week
// by the day from Monday), and how its figures are written.
import type { Stats, StatsPeriod } from "./backend";

const HOUR = 3_600_000;

/** Today, from local midnight, in 24 hourly slices (a DST day has 23 or 25 hours). */
export function today(now: Date): StatsPeriod {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const slices: number[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += HOUR) slices.push(t);
  return { label: "today", from_ms: start.getTime(), to_ms: end.getTime(), slices };
}

/** This week, from Monday midnight, in 7 daily slices. */
export function thisWeek(now: Date): StatsPeriod {
  const sinceMonday = (now.getDay() + 6) % 7;
  const day = (n: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() - sinceMonday + n).getTime();
  return { label: "week", from_ms: day(0), to_ms: day(7), slices: [0, 1, 2, 3, 4, 5, 6].map(day) };
}

/** A duration as `h:mm:ss`, or `m:ss` under an hour. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The bars of the calls chart: each slice's height, in % of the busiest. */
export function bars(stats: Stats): Array<{ from_ms: number; in: number; out: number }> {
  const most = Math.max(1, ...stats.slices.map((s) => s.calls_in + s.calls_out));
  return stats.slices.map((s) => ({
    from_ms: s.from_ms,
    in: (100 * s.calls_in) / most,
    out: (100 * s.calls_out) / most,
  }));
}

/** Each state's share of the time counted, in %. */
export function shares(stats: Stats): Array<{ presence: Stats["time_in"][number]["presence"]; ms: number; share: number }> {
  const total = stats.time_in.reduce((sum, t) => sum + t.ms, 0);
  return stats.time_in.map((t) => ({ ...t, share: total > 0 ? (100 * t.ms) / total : 0 }));
}
