// Contact texts computed apart from the components, so they are tested without a browser.
import type { RowError } from "./backend";
import { errorText, translate, type Key, type Language } from "./i18n";

/** A refused row of an import: its line and why, translated by code. */
export function rowErrorText(lang: Language, e: RowError): string {
  const line = translate(lang, "importLine", { line: String(e.line) });
  if (e.kind && e.value !== null) {
    const kind = translate(lang, `kind_${e.kind}` as Key).toLowerCase();
    const why = errorText(lang, { code: e.code, message: e.reason });
    return `${line} — ${translate(lang, "importNumber", { kind, value: e.value })} ${why}`;
  }
  return `${line} — ${errorText(lang, { code: e.code, message: e.reason })}`;
}
