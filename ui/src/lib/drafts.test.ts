import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callOf, Drafts, notesKey, parsed, wrapUpKey } from "./drafts";

describe("drafts", () => {
  let written: Array<[string, string]>;
  let drafts: Drafts;
  beforeEach(() => {
    vi.useFakeTimers();
    written = [];
    drafts = new Drafts(async (key, body) => {
      written.push([key, body]);
    }, 250);
  });
  afterEach(() => vi.useRealTimers());

  it("writes the latest text once per interval while the agent types, never later than the interval", async () => {
    drafts.put("contact", "M");
    drafts.put("contact", "Ma");
    await vi.advanceTimersByTimeAsync(249);
    expect(written).toEqual([]);
    drafts.put("contact", "Mar");
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([["contact", "Mar"]]);
    drafts.put("contact", "Marc");
    await vi.advanceTimersByTimeAsync(250);
    expect(written).toEqual([["contact", "Mar"], ["contact", "Marc"]]);
  });

  it("keeps each key apart", async () => {
    drafts.put("contact", "a");
    drafts.put(notesKey(4), "b");
    await vi.advanceTimersByTimeAsync(250);
    expect(written).toEqual([["contact", "a"], ["notes:4", "b"]]);
  });

  it("a drop deletes at once, and a write still waiting cannot bring the draft back", async () => {
    drafts.put("contact", "Marc");
    drafts.drop("contact");
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([["contact", ""]]);
  });

  it("writes go out in order even when the store answers slowly", async () => {
    const slow: Array<[string, string]> = [];
    const ordered = new Drafts(
      (key, body) => new Promise((done) => setTimeout(() => (slow.push([key, body]), done(null)), body === "x" ? 100 : 1)),
      10,
    );
    ordered.put("k", "x");
    await vi.advanceTimersByTimeAsync(10);
    ordered.drop("k");
    await vi.advanceTimersByTimeAsync(200);
    expect(slow).toEqual([["k", "x"], ["k", ""]]);
  });

  it("a failed write does not stop the next ones", async () => {
    let fail = true;
    const kept: string[] = [];
    const flaky = new Drafts(async (_key, body) => {
      if (fail) {
        fail = false;
        throw new Error("disk full");
      }
      kept.push(body);
    }, 10);
    flaky.put("k", "one");
    await vi.advanceTimersByTimeAsync(10);
    flaky.put("k", "two");
    await vi.advanceTimersByTimeAsync(10);
    expect(kept).toEqual(["two"]);
  });

  it("flush writes what is waiting now", async () => {
    drafts.put("contact", "Marc");
    await drafts.flush();
    expect(written).toEqual([["contact", "Marc"]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([["contact", "Marc"]]);
  });

  it("what an earlier window left, then what is typed, is there until it is dropped", () => {
    drafts.restore([
      { key: "contact", body: "{}" },
      { key: wrapUpKey(7), body: "x" },
    ]);
    expect(drafts.current("contact")).toBe("{}");
    expect(drafts.keys()).toEqual(["contact", "wrap-up:7"]);
    drafts.put("contact", "{\"a\":1}");
    drafts.put(notesKey(2), "n");
    drafts.drop(wrapUpKey(7));
    expect(drafts.current("contact")).toBe("{\"a\":1}");
    expect(drafts.keys()).toEqual(["contact", "notes:2"]);
    expect(drafts.current(wrapUpKey(7))).toBeUndefined();
  });
});

describe("draft keys and bodies", () => {
  it("name the call they belong to", () => {
    expect(callOf(wrapUpKey(12), "wrap-up")).toBe(12);
    expect(callOf(notesKey(12), "notes")).toBe(12);
    expect(callOf(notesKey(12), "wrap-up")).toBeNull();
    expect(callOf("contact", "notes")).toBeNull();
    expect(callOf("notes:12x", "notes")).toBeNull();
  });

  it("a body that does not read is no draft rather than an error", () => {
    expect(parsed<{ notes: string }>("{\"notes\":\"rappeler\"}")).toEqual({ notes: "rappeler" });
    expect(parsed("{not json")).toBeNull();
    expect(parsed(undefined)).toBeNull();
  });
});
