import { describe, expect, it } from "vitest";
import type { AgentView } from "./backend";
import { countdown, lines, needsDisposition, wrapUpLeft } from "./agent";

const wrapUp = (remaining: number | null, require = false): AgentView => ({
  event: "agent",
  presence: "wrap_up",
  reason: null,
  seconds: 0,
  cause: "call_ended",
  wrap_up: { call: "c1", history_id: 7, remaining_ms: remaining },
  offered: null,
  reasons: [],
  dispositions: ["Vente"],
  require_disposition: require,
});

describe("agent", () => {
  it("counts a wrap-up down in minutes and seconds, rounded up", () => {
    expect(countdown(90_000)).toBe("1:30");
    expect(countdown(1)).toBe("0:01");
    expect(countdown(0)).toBe("0:00");
    expect(countdown(-5)).toBe("0:00");
    expect(wrapUpLeft(wrapUp(30_000), 10_000)).toBe(20_000);
    expect(wrapUpLeft(wrapUp(30_000), 40_000)).toBe(0);
    expect(wrapUpLeft(wrapUp(null), 1000)).toBeNull();
    expect(wrapUpLeft(null, 0)).toBeNull();
  });

  it("reads one item per line", () => {
    expect(lines(" Pause \n\nFormation\r\nPause\n")).toEqual(["Pause", "Formation"]);
    expect(lines("")).toEqual([]);
  });

  it("keeps the agent in wrap-up until a required disposition is chosen", () => {
    expect(needsDisposition(wrapUp(null, true), "")).toBe(true);
    expect(needsDisposition(wrapUp(null, true), "Vente")).toBe(false);
    expect(needsDisposition(wrapUp(null, false), "")).toBe(false);
  });
});
