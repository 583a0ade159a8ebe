import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "./backend";
import { duration, inPeriod, isMissed, isScreened, matches, unseenMissed, withParty } from "./history";

function entry(overrides: Partial<HistoryEntry>): HistoryEntry {
  return {
    id: 1,
    direction: "in",
    remote_raw: "0199009999",
    remote_e164: "+33199009999",
    contact_id: null,
    contact_name: null,
    started_at: "2026-12-01T09:00:00.000Z",
    answered_at: "2026-12-01T09:00:05.000Z",
    ended_at: "2026-12-01T09:02:10.000Z",
    end_reason: "hung_up",
    recording: null,
    disposition: null,
    notes: "",
    ...overrides,
  };
}

describe("history", () => {
  const missed = entry({ id: 2, answered_at: null, end_reason: "remote_cancelled", started_at: "2026-12-01T10:00:00.000Z" });
  const out = entry({ id: 3, direction: "out" });
  const ringing = entry({ id: 4, answered_at: null, ended_at: null, end_reason: null });

  it("tells missed calls apart", () => {
    expect(isMissed(missed)).toBe(true);
    expect(isMissed(entry({}))).toBe(false);
    expect(isMissed(ringing)).toBe(false);
    expect(isMissed(entry({ direction: "out", answered_at: null }))).toBe(false);
  });

  it("keeps calls the phone refused by itself apart from missed ones", () => {
    for (const reason of ["filtered", "filtered_anonymous", "agent_unavailable", "forwarded", "limit"]) {
      const refused = entry({ answered_at: null, end_reason: reason });
      expect(isScreened(refused)).toBe(true);
      expect(isMissed(refused)).toBe(false);
      expect(matches(refused, "in")).toBe(true);
    }
    expect(isScreened(missed)).toBe(false);
  });

  it("counts the talk time", () => {
    expect(duration(entry({}))).toBe("2:05");
    expect(duration(missed)).toBe("");
  });

  it("filters, and counts the missed calls not seen yet", () => {
    const all = [entry({}), missed, out, ringing];
    expect(all.filter((e) => matches(e, "missed"))).toEqual([missed]);
    expect(all.filter((e) => matches(e, "out"))).toEqual([out]);
    expect(all.filter((e) => matches(e, "all"))).toHaveLength(4);
    expect(unseenMissed(all, null)).toBe(1);
    expect(unseenMissed(all, "2026-12-01T10:00:01.000Z")).toBe(0);
  });
});

describe("history filters", () => {
  const now = new Date(2026, 11, 2, 10, 0, 0);
  const at = (d: Date) => entry({ started_at: d.toISOString() });

  it("by period, counted back from now", () => {
    const thisMorning = at(new Date(2026, 11, 2, 8, 0, 0));
    const lastNight = at(new Date(2026, 11, 1, 23, 0, 0));
    const tenDaysAgo = at(new Date(2026, 10, 22, 10, 0, 0));
    expect([thisMorning, lastNight, tenDaysAgo].map((e) => inPeriod(e, "today", now))).toEqual([true, false, false]);
    expect([thisMorning, lastNight, tenDaysAgo].map((e) => inPeriod(e, "week", now))).toEqual([true, true, false]);
    expect(inPeriod(tenDaysAgo, "month", now)).toBe(true);
    expect(inPeriod(tenDaysAgo, "any", now)).toBe(true);
  });

  it("on a day picked in the calendar, from its local midnight to the next", () => {
    const lastNight = at(new Date(2026, 11, 1, 23, 59, 0));
    const earlyMorning = at(new Date(2026, 11, 2, 0, 1, 0));
    expect([lastNight, earlyMorning].map((e) => inPeriod(e, "day", now, "2026-12-01"))).toEqual([true, false]);
    expect([lastNight, earlyMorning].map((e) => inPeriod(e, "day", now, "2026-12-02"))).toEqual([false, true]);
    // No day picked yet: nothing is hidden.
    expect(inPeriod(lastNight, "day", now, "")).toBe(true);
  });

  it("by contact name or number, however written", () => {
    const duval = entry({ contact_name: "Hélène Duval", remote_raw: "0199009999", remote_e164: "+33199009999" });
    expect(withParty(duval, "helene")).toBe(true);
    expect(withParty(duval, "DUVAL")).toBe(true);
    expect(withParty(duval, "01 99 00")).toBe(true);
    expect(withParty(duval, "+33 1 99")).toBe(true);
    expect(withParty(duval, "martin")).toBe(false);
    expect(withParty(duval, "")).toBe(true);
  });
});
