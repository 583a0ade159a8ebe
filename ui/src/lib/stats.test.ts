import { describe, expect, it } from "vitest";
import type { Stats } from "./backend";
import { bars, clock, shares, thisWeek, today } from "./stats";

describe("stats", () => {
  it("cuts today by the hour from local midnight", () => {
    const p = today(new Date(2026, 11, 2, 15, 30));
    expect(p.from_ms).toBe(new Date(2026, 11, 2).getTime());
    expect(p.to_ms).toBe(new Date(2026, 11, 3).getTime());
    expect(p.slices.length).toBe(24);
    expect(p.slices[15]).toBe(new Date(2026, 11, 2, 15).getTime());
  });

  it("cuts the week by the day from Monday", () => {
    // Wednesday 2 December 2026: the week began on Monday 30 November.
    const p = thisWeek(new Date(2026, 11, 2, 9));
    expect(p.from_ms).toBe(new Date(2026, 10, 30).getTime());
    expect(p.slices.length).toBe(7);
    expect(p.to_ms).toBe(new Date(2026, 11, 7).getTime());
    // A Sunday belongs to the week that began six days before.
    expect(thisWeek(new Date(2026, 11, 6, 23)).from_ms).toBe(p.from_ms);
  });

  it("writes durations as a clock", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(65_000)).toBe("1:05");
    expect(clock(3_725_000)).toBe("1:02:05");
  });

  it("scales the chart to the busiest slice and the states to their total", () => {
    const stats = {
      slices: [
        { from_ms: 0, calls_in: 2, calls_out: 2 },
        { from_ms: 1, calls_in: 1, calls_out: 0 },
      ],
      time_in: [
        { presence: "ready", ms: 3000 },
        { presence: "not_ready", ms: 1000 },
      ],
    } as unknown as Stats;
    expect(bars(stats)).toEqual([
      { from_ms: 0, in: 50, out: 50 },
      { from_ms: 1, in: 25, out: 0 },
    ]);
    expect(shares(stats).map((s) => s.share)).toEqual([75, 25]);
  });
});
