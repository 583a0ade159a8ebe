// The window's only way to the engine: a small interface over the generated bindings, so
// tests can run the UI against mocked IPC in a plain browser.
import {
  commands,
  type ContactCard,
  type ContactSummary,
  type ErrorReport,
  type NumberInfo,
} from "../bindings";

export type { ContactCard, ContactSummary, ErrorReport, NumberInfo };

/** A command's outcome: the value, or the engine's typed error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorReport };

export interface Backend {
  search(query: string): Promise<Outcome<ContactSummary[]>>;
  contact(id: number): Promise<Outcome<ContactCard>>;
  normalize(input: string): Promise<Outcome<NumberInfo>>;
}

function outcome<T>(r: { status: "ok"; data: T } | { status: "error"; error: ErrorReport }): Outcome<T> {
  return r.status === "ok" ? { ok: true, value: r.data } : { ok: false, error: r.error };
}

export function tauriBackend(): Backend {
  return {
    search: async (query) => outcome(await commands.searchContacts(query)),
    contact: async (id) => outcome(await commands.getContact(id)),
    normalize: async (input) => outcome(await commands.normalizeNumber(input)),
  };
}
