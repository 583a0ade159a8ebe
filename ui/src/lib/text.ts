// Finds phone numbers inside free text (notes), so each can be a click-to-dial link.

export type Segment = { text: string; number: boolean };

// A run that starts with + or a digit, holds digits with spaces, dots, dashes or
// parentheses between them, and ends on a digit.
const CANDIDATE = /\+?\(?\d[\d\s().\-\u00a0]{4,}\d/g;
const MIN_DIGITS = 9;
const MAX_DIGITS = 16;

/** Splits `text` into plain parts and phone-number parts, in order. */
export function splitNumbers(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const digits = m[0].replace(/\D/g, "").length;
    if (digits < MIN_DIGITS || digits > MAX_DIGITS) continue;
    const start = m.index ?? 0;
    if (start > last) out.push({ text: text.slice(last, start), number: false });
    out.push({ text: m[0], number: true });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), number: false });
  return out;
}

/** A whole number typed in a field (digits only, at most `max`), or null: an empty field,
 *  letters, a sign or a fraction is no number, and is said at the field, not sent. */
export function wholeNumber(value: unknown, max: number): number | null {
  const text = String(value ?? "").trim();
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}
