// What the agent types and has not saved yet (a contact form, a call's notes), kept in the
// database as it is typed: a window killed or crashed mid-sentence gives it back on its
// next start. Writes go out at most once per `delayMs` for each key, in the order they were
// made (a late write never brings back a dropped draft).

/** Where drafts are written: an empty body deletes the draft. */
export type DraftWriter = (key: string, body: string) => Promise<unknown>;

/** A call's notes and disposition code as typed. */
export interface CallDraft {
  notes: string;
  disposition: string;
  /** The code the form opened with (saved unchanged, the call's code is kept as it is then). */
  opened?: string;
}

export class Drafts {
  /** Every draft kept now, by key: what the last window left, then what is typed. */
  private kept = new Map<string, string>();
  /** The latest body of each key not written yet. */
  private pending = new Map<string, string>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly write: DraftWriter,
    private readonly delayMs = 250,
  ) {}

  /** Takes the drafts the store still holds (once, at start). */
  restore(drafts: ReadonlyArray<{ key: string; body: string }>) {
    for (const d of drafts) this.kept.set(d.key, d.body);
  }

  /** The draft under `key` (left by an earlier window, or typed since), if any. */
  current(key: string): string | undefined {
    return this.kept.get(key);
  }

  /** The keys of every draft kept now. */
  keys(): string[] {
    return [...this.kept.keys()];
  }

  /** Keeps `body` under `key`: written within `delayMs`, the latest body winning. */
  put(key: string, body: string) {
    this.kept.set(key, body);
    this.pending.set(key, body);
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => this.send(key), this.delayMs),
    );
  }

  /** The draft `key` is saved for real, or thrown away: it is deleted. */
  drop(key: string) {
    this.kept.delete(key);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.pending.set(key, "");
    this.send(key);
  }

  /** Writes every pending draft now (the window is going away). */
  flush(): Promise<unknown> {
    for (const key of [...this.pending.keys()]) {
      clearTimeout(this.timers.get(key));
      this.send(key);
    }
    return this.queue;
  }

  private send(key: string) {
    this.timers.delete(key);
    const body = this.pending.get(key);
    if (body === undefined) return;
    this.pending.delete(key);
    this.queue = this.queue.then(() => this.write(key, body)).catch(() => undefined);
  }
}

/** The key of the notes typed in the wrap-up of history row `id`. */
export const wrapUpKey = (id: number) => `wrap-up:${id}`;
/** The key of the notes typed in the history's form for row `id`. */
export const notesKey = (id: number) => `notes:${id}`;
let formSeq = 0;
/** A new contact form's own key (each open or set-aside form keeps its draft apart). */
export const newContactKey = () => `contact:${Date.now().toString(36)}-${formSeq++}`;
/** Whether `key` is a contact form's (`contact` alone: the one form of earlier versions). */
export const isContactKey = (key: string) => key === "contact" || key.startsWith("contact:");

/** The history row a call-notes key is about, or null for another key. */
export function callOf(key: string, kind: "wrap-up" | "notes"): number | null {
  const m = new RegExp(`^${kind}:(\\d+)$`).exec(key);
  return m ? Number(m[1]) : null;
}

/** A draft's body read back as `T`, or null when it does not read (an older shape). */
export function parsed<T>(body: string | undefined): T | null {
  if (body === undefined) return null;
  try {
    return JSON.parse(body) as T;
  } catch {
    return null;
  }
}
