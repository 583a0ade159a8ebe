import { describe, expect, it } from "vitest";
import { errorText, fieldError, noticeText, pickLanguage, translate } from "./i18n";

describe("language", () => {
  it("follows the OS locale", () => {
    expect(pickLanguage(["fr-FR", "en-US"])).toBe("fr");
    expect(pickLanguage(["fr_CA"])).toBe("fr");
    expect(pickLanguage(["en-GB"])).toBe("en");
    expect(pickLanguage(["de-DE", "fr-FR"])).toBe("fr");
    expect(pickLanguage(["de-DE"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
  });

  it("fills placeholders in both languages", () => {
    const vars = { display: "+33 1 23 45 67 89" };
    expect(translate("en", "calling", vars)).toBe("Calling +33 1 23 45 67 89…");
    expect(translate("fr", "calling", vars)).toBe("Appel de +33 1 23 45 67 89…");
  });

  it("translates engine errors by code, never by message", () => {
    const letters = { code: "number_letters", message: "letters are not allowed" };
    expect(errorText("fr", letters)).toBe("Les lettres ne sont pas acceptées dans un numéro.");
    const unknown = { code: "store_database", message: "disk I/O error" };
    expect(errorText("en", unknown)).toBe("Something went wrong: disk I/O error");
  });
});

describe("refusals at a field", () => {
  it("say the field's message, or leave the refusal to the status line", () => {
    const area = { code: "plan_area_code", message: "area code", field: "area_code" };
    expect(fieldError("en", area, "plan_")).toEqual({ area_code: "Up to 6 digits, without the leading 0." });
    expect(fieldError("en", { code: "x", message: "m", field: "nowhere" })).toBeNull();
    expect(fieldError("en", { code: "x", message: "m" })).toBeNull();
  });
});

describe("notices", () => {
  it("say the shell's own notices, and an engine refusal by its code", () => {
    expect(noticeText("en", "hold_refused")).toMatch(/hold/i);
    expect(noticeText("fr", "number_letters")).toBe(translate("fr", "err_number_letters"));
    expect(noticeText("en", "something_new")).toContain("something_new");
  });
});
