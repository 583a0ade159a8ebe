import { describe, expect, it } from "vitest";
import { splitNumbers, wholeNumber } from "./text";

describe("whole numbers in fields", () => {
  it("reads digits, and nothing else", () => {
    expect(wholeNumber("600", 86_400)).toBe(600);
    expect(wholeNumber(" 4 ", 255)).toBe(4);
    expect(wholeNumber(8, 255)).toBe(8);
    for (const bad of ["", null, undefined, "abc", "-5", "1.5", "1e3", "300"]) {
      expect(wholeNumber(bad, 255)).toBeNull();
    }
  });
});

describe("numbers in notes", () => {
  it("finds numbers in any format and keeps the rest", () => {
    const parts = splitNumbers("Rappeler au 06 12 34 56 78 ou au +44 (161) 552-7789, dossier 2024.");
    expect(parts).toEqual([
      { text: "Rappeler au ", number: false },
      { text: "06 12 34 56 78", number: true },
      { text: " ou au ", number: false },
      { text: "+44 (161) 552-7789", number: true },
      { text: ", dossier 2024.", number: false },
    ]);
  });

  it("leaves dates, amounts and short codes as text", () => {
    for (const text of ["le 12.03.2024", "1 500 euros", "poste 2004", ""]) {
      expect(splitNumbers(text).every((s) => !s.number)).toBe(true);
    }
  });
});
