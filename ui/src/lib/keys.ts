// The window's keys: which key does what, chosen by the agent (F2 to F7 by default), kept in
// the window's own storage like its language.
export type KeyAction = "answer" | "hold" | "hangup" | "mute" | "transfer";
export type Keys = Record<KeyAction, string>;

export const KEY_ACTIONS: readonly KeyAction[] = ["answer", "hold", "hangup", "mute", "transfer"];
export const DEFAULT_KEYS: Readonly<Keys> = { answer: "F2", hold: "F3", hangup: "F4", mute: "F6", transfer: "F7" };
const STORAGE = "switchboard.keys";

type Press = { key: string; ctrlKey: boolean; altKey: boolean; shiftKey: boolean; metaKey: boolean };

/** A key press by name (`F2`, `Ctrl+Alt+H`), or null for one that types or moves focus: a
 * letter, digit or sign without Ctrl or Alt, Tab, Enter, Escape, a modifier alone. */
export function keyName(e: Press): string | null {
  const function_key = /^F([1-9]|1[0-9]|2[0-4])$/.test(e.key);
  const modified = e.ctrlKey || e.altKey || e.metaKey;
  if (["Control", "Alt", "Shift", "Meta", "Tab", "Enter", "Escape", "Dead"].includes(e.key)) return null;
  if (!function_key && !modified) return null;
  if (!function_key && e.key.length !== 1) return null;
  const parts = [e.ctrlKey && "Ctrl", e.altKey && "Alt", e.shiftKey && "Shift", e.metaKey && "Super"].filter(Boolean);
  return [...parts, e.key.length === 1 ? e.key.toUpperCase() : e.key].join("+");
}

/** The action of the key named `name`, if any. */
export function actionOf(name: string | null, keys: Keys): KeyAction | null {
  if (name === null) return null;
  return KEY_ACTIONS.find((a) => keys[a] === name) ?? null;
}

/** The first action whose key another action also uses, if any. */
export function clash(keys: Keys): KeyAction | null {
  return KEY_ACTIONS.find((a, i) => KEY_ACTIONS.slice(0, i).some((b) => keys[b] === keys[a])) ?? null;
}

/** A shortcut in one spelling: modifiers by their usual names in a fixed order, then the key
 * (`control+shift+d`, `CmdOrCtrl+Shift+D` and `Ctrl+Shift+D` are one shortcut). */
function canonical(text: string): string {
  const names: Record<string, string> = { control: "ctrl", cmdorctrl: "ctrl", commandorcontrol: "ctrl", option: "alt",
    meta: "super", command: "super", cmd: "super" };
  const parts = text.split("+").map((p) => p.trim().toLowerCase()).filter((p) => p !== "");
  const key = parts.pop() ?? "";
  const order = ["ctrl", "alt", "shift", "super"];
  const modifiers = [...new Set(parts.map((p) => names[p] ?? p))].sort((x, y) => order.indexOf(x) - order.indexOf(y));
  return [...modifiers, key].join("+");
}

/** Whether two shortcuts are the same keys, however they are written. */
export function sameShortcut(a: string, b: string): boolean {
  return a.trim() !== "" && canonical(a) === canonical(b);
}

/** The keys the agent saved, or the defaults (also for a stored value that is not usable). */
export function loadKeys(storage: Pick<Storage, "getItem">): Keys {
  try {
    const stored = JSON.parse(storage.getItem(STORAGE) ?? "null");
    const keys = { ...DEFAULT_KEYS };
    for (const a of KEY_ACTIONS) if (typeof stored?.[a] === "string" && stored[a]) keys[a] = stored[a];
    return clash(keys) ? { ...DEFAULT_KEYS } : keys;
  } catch {
    return { ...DEFAULT_KEYS };
  }
}

export function saveKeys(storage: Pick<Storage, "setItem">, keys: Keys) {
  storage.setItem(STORAGE, JSON.stringify(keys));
}
