import { describe, expect, it } from "vitest";
import { rowErrorText } from "./contacts";

describe("import report", () => {
  it("says each refused row's line and why, in the agent's language", () => {
    const number = { line: 4, reason: 'work number "01 2": too short', code: "number_too_short", kind: "work" as const, value: "01 2" };
    expect(rowErrorText("en", number)).toBe("Line 4 — work number “01 2”: The number is too short.");
    expect(rowErrorText("fr", number)).toBe("Ligne 4 — numéro bureau « 01 2 » : Le numéro est trop court.");
    const nameless = { line: 3, reason: "no name and no company", code: "import_no_name", kind: null, value: null };
    expect(rowErrorText("fr", nameless)).toBe("Ligne 3 — Ni nom ni société.");
    const other = { line: 9, reason: "something new", code: "import_something_new", kind: null, value: null };
    expect(rowErrorText("en", other)).toBe("Line 9 — Something went wrong: something new");
  });
});
