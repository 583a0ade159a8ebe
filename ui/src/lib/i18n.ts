// French and English texts. The language follows the OS locale unless the agent chose one.

export type Language = "fr" | "en";

const en = {
  title: "Switchboard",
  language: "Language",
  searchLabel: "Search contacts",
  searchPlaceholder: "Name, company or number",
  results: "Contacts",
  noResults: "No contact found.",
  searching: "Searching…",
  noContact: "Select a contact to see its card.",
  company: "Company",
  email: "E-mail",
  notes: "Notes",
  numbers: "Numbers",
  companyNumbers: "Company numbers",
  dialTo: "Dial string for {display}: {dial}",
  dialLabel: "Show the dial string for {number}",
  statusIdle: "Click a number to see what the phone system will dial.",
  kind_work: "Work",
  kind_mobile: "Mobile",
  kind_home: "Home",
  kind_fax: "Fax",
  kind_switchboard: "Switchboard",
  kind_range: "Number range",
  err_number_empty: "The number is empty.",
  err_number_letters: "Letters are not allowed in a number.",
  err_number_invalid_character: "This number holds a character that cannot be dialled.",
  err_number_too_long: "The number is too long.",
  err_number_too_short: "The number is too short.",
  err_number_not_valid: "This is not a valid number for the dial plan's country.",
  err_number_bad_uri: "This SIP address cannot be dialled.",
  err_generic: "Something went wrong: {message}",
} as const;

export type Key = keyof typeof en;

const fr: Record<Key, string> = {
  title: "Switchboard",
  language: "Langue",
  searchLabel: "Rechercher un contact",
  searchPlaceholder: "Nom, société ou numéro",
  results: "Contacts",
  noResults: "Aucun contact trouvé.",
  searching: "Recherche…",
  noContact: "Choisissez un contact pour voir sa fiche.",
  company: "Société",
  email: "Courriel",
  notes: "Notes",
  numbers: "Numéros",
  companyNumbers: "Numéros de la société",
  dialTo: "Numéro composé pour {display} : {dial}",
  dialLabel: "Afficher le numéro composé pour {number}",
  statusIdle: "Cliquez sur un numéro pour voir ce que le standard composera.",
  kind_work: "Bureau",
  kind_mobile: "Portable",
  kind_home: "Domicile",
  kind_fax: "Fax",
  kind_switchboard: "Standard",
  kind_range: "Plage de numéros",
  err_number_empty: "Le numéro est vide.",
  err_number_letters: "Les lettres ne sont pas acceptées dans un numéro.",
  err_number_invalid_character: "Ce numéro contient un caractère impossible à composer.",
  err_number_too_long: "Le numéro est trop long.",
  err_number_too_short: "Le numéro est trop court.",
  err_number_not_valid: "Ce numéro n'est pas valide pour le pays du plan de numérotation.",
  err_number_bad_uri: "Cette adresse SIP ne peut pas être composée.",
  err_generic: "Une erreur est survenue : {message}",
};

const dictionaries: Record<Language, Record<Key, string>> = { en, fr };

/** The language for the OS's preferred locales: French for any fr-*, English otherwise. */
export function pickLanguage(locales: readonly string[]): Language {
  for (const locale of locales) {
    const base = locale.toLowerCase().split(/[-_]/)[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

/** The text for `key` in `lang`, with `{name}` placeholders filled. */
export function translate(lang: Language, key: Key, vars: Record<string, string> = {}): string {
  return dictionaries[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? `{${name}}`);
}

/** The message for an engine error, by its stable code. */
export function errorText(lang: Language, error: { code: string; message: string }): string {
  const key = `err_${error.code}` as Key;
  return key in en ? translate(lang, key) : translate(lang, "err_generic", { message: error.message });
}
