/** Proves validateSoapNote accepts a complete note, returns a clean copy, and names every bad field. */
import { describe, expect, it } from "vitest";
import { hasValidVerhoeffCheckDigit, validateSoapNote } from "./validate-note.js";

const valid = {
  noteId: "n-1",
  version: 1,
  patient: { id: "p-1", namespace: "clinic_app" },
  encounter: { id: "e-1", start: "2026-03-02T09:30:00Z", end: "2026-03-02T09:50:00Z", kind: "video" },
  provider: { id: "dr-1", name: "Dr. Lee" },
  signedAt: "2026-03-02T10:00:00Z",
  subjective: "s",
  objective: "o",
  assessment: "a",
  plan: "p",
  diagnoses: [{ system: "ICD-10", code: "I10", display: "Essential hypertension" }],
  vitals: { pulse: { value: 70, unit: "/min" }, spo2: { value: 97, unit: "%" } },
  language: "en",
  territory: "GB",
};
const now = new Date("2026-11-28T00:00:00Z");

function fieldsOf(input: unknown): string[] {
  const result = validateSoapNote(input, { now });
  return result.ok ? [] : result.errors.map((e) => e.field);
}

describe("validateSoapNote", () => {
  it("accepts a complete note and drops unknown fields", () => {
    const result = validateSoapNote({ ...valid, extra: "ignored" }, { now });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.note).not.toHaveProperty("extra");
  });

  it.each([
    ["not an object", "x", [""]],
    ["missing provider", { ...valid, provider: undefined }, ["provider"]],
    [
      "bad ICD-10",
      { ...valid, diagnoses: [{ system: "ICD-10", code: "I-10", display: "x" }] },
      ["diagnoses[0].code"],
    ],
    ["wrong unit", { ...valid, vitals: { pulse: { value: 70, unit: "bpm" } } }, ["vitals.pulse.unit"]],
    [
      "pulse out of range",
      { ...valid, vitals: { pulse: { value: 900, unit: "/min" } } },
      ["vitals.pulse.value"],
    ],
    ["future signing", { ...valid, signedAt: "2030-01-01T00:00:00Z" }, ["signedAt"]],
    [
      "several at once",
      { ...valid, language: "EN", territory: "", version: 1.5 },
      ["version", "language", "territory"],
    ],
  ])("names the field: %s", (_name, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it.each(["en", "pt", "ar", "ja-jp", "es-mx", "pt-br", "zh", "fr", "de", "it"])(
    "takes the ISO 639-1 code %s when EHRbase can store it (or refuses it as unknown)",
    (language) => {
      expect(fieldsOf({ ...valid, language })).toEqual(language === "ja-jp" ? ["language"] : []);
    },
  );

  it.each(["es", "ja"])(
    "refuses plain %s, which EHRbase cannot store, naming language and the way out",
    (language) => {
      const result = validateSoapNote({ ...valid, language }, { now });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.map((e) => e.field)).toEqual(["language"]);
      expect(result.errors[0]?.message).toMatch(/EHRbase .*cannot store.*regional code/);
    },
  );

  it("never echoes a field's value in its message", () => {
    const secret = "Jane Roe 1980-01-01 SSN 123-45-6789";
    const result = validateSoapNote(
      { ...valid, noteId: `${secret}\u0000`, subjective: `${secret}\u0007` },
      { now },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) for (const error of result.errors) expect(error.message).not.toContain("Jane");
  });

  describe("boundaries", () => {
    const at = (encounterStart: string, signedAt: string) => ({
      ...valid,
      encounter: { ...valid.encounter, start: encounterStart, end: undefined },
      signedAt,
    });
    const snomed = (code: string) => ({ ...valid, diagnoses: [{ system: "SNOMED-CT", code, display: "x" }] });

    it.each([
      ["a date on 1900-01-01", at("1900-01-01T00:00:00Z", "2026-03-02T10:00:00Z"), []],
      ["a date before 1900", at("1899-12-31T23:59:59Z", "2026-03-02T10:00:00Z"), ["encounter.start"]],
      ["signed at the encounter's start", at("2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"), []],
      [
        "signed before the encounter's start",
        at("2026-03-02T10:00:00Z", "2026-03-02T09:59:59Z"),
        ["signedAt"],
      ],
      // now is 2026-11-28T00:00:00Z; 24 h of clock skew are allowed, not a second more
      ["signed 24 h ahead", at("2026-03-02T10:00:00Z", "2026-11-29T00:00:00Z"), []],
      ["signed 24 h and 1 s ahead", at("2026-03-02T10:00:00Z", "2026-11-29T00:00:01Z"), ["signedAt"]],
      // valid Verhoeff check digits (computed independently), so only the length decides
      ["a 5-digit SNOMED id", snomed("12340"), ["diagnoses[0].code"]],
      ["a 6-digit SNOMED id", snomed("123451"), []],
      ["an 18-digit SNOMED id", snomed("123456789012345679"), []],
      ["a 19-digit SNOMED id", snomed("1234567890123456781"), ["diagnoses[0].code"]],
    ])("%s", (_name, input, fields) => {
      expect(fieldsOf(input)).toEqual(fields);
    });

    it("takes another future tolerance when given one", () => {
      const input = at("2026-03-02T10:00:00Z", "2026-11-28T01:00:01Z");
      expect(validateSoapNote(input, { now, futureToleranceMs: 3_600_000 }).ok).toBe(false);
      expect(validateSoapNote(input, { now, futureToleranceMs: 3_601_000 }).ok).toBe(true);
    });
  });

  it("checks SNOMED CT check digits (Verhoeff)", () => {
    expect(hasValidVerhoeffCheckDigit("38341003")).toBe(true);
    expect(hasValidVerhoeffCheckDigit("38341004")).toBe(false);
    expect(hasValidVerhoeffCheckDigit("195967001")).toBe(true);
  });
});
