import { describe, expect, it } from "vitest";
import { actionOf, clash, DEFAULT_KEYS, keyName, loadKeys, sameShortcut } from "./keys";

const press = (key: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; shiftKey: boolean; metaKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe("window keys", () => {
  it("names function keys and modified keys, never a key that types", () => {
    expect(keyName(press("F3"))).toBe("F3");
    expect(keyName(press("h", { ctrlKey: true, altKey: true }))).toBe("Ctrl+Alt+H");
    expect(keyName(press("F9", { shiftKey: true }))).toBe("Shift+F9");
    expect(keyName(press("h"))).toBeNull();
    expect(keyName(press("H", { shiftKey: true }))).toBeNull();
    expect(keyName(press("4"))).toBeNull();
    expect(keyName(press("Tab"))).toBeNull();
    expect(keyName(press("Control", { ctrlKey: true }))).toBeNull();
    expect(keyName(press("ArrowUp", { altKey: true }))).toBeNull();
  });

  it("finds the action of a key, and two actions on one key", () => {
    expect(actionOf("F4", DEFAULT_KEYS)).toBe("hangup");
    expect(actionOf("F5", DEFAULT_KEYS)).toBeNull();
    expect(clash(DEFAULT_KEYS)).toBeNull();
    expect(clash({ ...DEFAULT_KEYS, transfer: "F2" })).toBe("transfer");
  });

  it("keeps what the agent saved, and falls back on a stored value that cannot be used", () => {
    const stored = (value: string | null) => ({ getItem: () => value });
    expect(loadKeys(stored(null))).toEqual(DEFAULT_KEYS);
    expect(loadKeys(stored('{"hold":"Ctrl+Alt+H"}'))).toEqual({ ...DEFAULT_KEYS, hold: "Ctrl+Alt+H" });
    expect(loadKeys(stored('{"hold":"F2"}'))).toEqual(DEFAULT_KEYS);
    expect(loadKeys(stored("not json"))).toEqual(DEFAULT_KEYS);
  });
});

describe("global shortcuts against the window's keys", () => {
  it("are the same keys however they are written", () => {
    expect(sameShortcut("Ctrl+Alt+A", "Ctrl+Alt+A")).toBe(true);
    expect(sameShortcut("control+alt+a", "Ctrl+Alt+A")).toBe(true);
    expect(sameShortcut("CmdOrCtrl+Shift+D", "Ctrl+Shift+D")).toBe(true);
    expect(sameShortcut("Shift+Ctrl+D", "Ctrl+Shift+D")).toBe(true);
    expect(sameShortcut("Ctrl+Alt+A", "Ctrl+A")).toBe(false);
    expect(sameShortcut("Ctrl+Alt+A", "Ctrl+Alt+B")).toBe(false);
    expect(sameShortcut("", "")).toBe(false);
  });
});
