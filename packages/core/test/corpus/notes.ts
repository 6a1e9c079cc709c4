/**
 * The SOAP note corpus: realistic notes and adversarial ones (empty sections, 100 KB of text, emoji,
 * right-to-left text, control characters, missing provider, malformed codes, out-of-range or wrongly
 * united vitals, far-future dates). All people, ids and clinical content are invented.
 * `rejects` lists the fields the client must name; absent means the note must be accepted end to end.
 */
import type { SoapNote } from "../../src/soap/note.js";
import { baseNote } from "../helpers/notes.js";
import { LANGUAGE_CASES, languageNote } from "./languages.js";

export interface CorpusCase {
  name: string;
  input: unknown;
  rejects?: string[];
}

const base = baseNote;
const vitals = () => base().vitals ?? {};
const longText = (kb: number, seed: string) => {
  const sentence = `${seed} Patient reports intermittent symptoms; reviewed history, medications and allergies. `;
  return sentence.repeat(Math.ceil((kb * 1024) / sentence.length)).slice(0, kb * 1024);
};
function without<K extends keyof SoapNote>(note: SoapNote, key: K): Omit<SoapNote, K> {
  const { [key]: _dropped, ...rest } = note;
  return rest;
}
/** Loosely typed copy so a case can put wrongly typed values where the model forbids them. */
// biome-ignore lint/suspicious/noExplicitAny: adversarial cases deliberately break the note's types
type Loose = Record<string, any>;
function patch(note: SoapNote, change: (n: Loose) => void): unknown {
  const copy = structuredClone(note) as Loose;
  change(copy);
  return copy;
}

export const CORPUS: CorpusCase[] = [
  // ── realistic, accepted ─────────────────────────────────────────────────────────────────────
  { name: "typical video consult with vitals and ICD-10 diagnosis", input: base() },
  {
    name: "minimal note: no facility, end time, diagnoses or vitals",
    input: patch(base(), (n) => {
      delete n.facility;
      delete n.diagnoses;
      delete n.vitals;
      delete n.encounter.end;
    }),
  },
  {
    name: "phone follow-up",
    input: base({
      encounter: { id: "enc-phone-1", start: "2026-04-10T14:00:00Z", kind: "phone" },
      signedAt: "2026-04-10T14:20:00Z",
    }),
  },
  {
    name: "in-person visit with India offset times",
    input: base({
      encounter: {
        id: "enc-ist",
        start: "2026-05-01T10:15:00+05:30",
        end: "2026-05-01T10:45:00+05:30",
        kind: "in_person",
      },
      signedAt: "2026-05-01T11:00:00+05:30",
      territory: "IN",
    }),
  },
  {
    name: "US units: °F, pounds, inches",
    input: base({
      vitals: {
        temperature: { value: 100.4, unit: "[degF]" },
        weight: { value: 182, unit: "[lb_av]" },
        height: { value: 70, unit: "[in_i]" },
      },
    }),
  },
  {
    name: "newborn: weight in grams, length in cm",
    input: base({
      vitals: {
        weight: { value: 3400, unit: "g" },
        height: { value: 50, unit: "cm" },
        pulse: { value: 140, unit: "/min" },
      },
    }),
  },
  {
    name: "SNOMED CT diagnoses",
    input: base({
      diagnoses: [
        { system: "SNOMED-CT", code: "38341003", display: "Hypertensive disorder" },
        { system: "SNOMED-CT", code: "44054006", display: "Diabetes mellitus type 2" },
      ],
    }),
  },
  {
    name: "twelve mixed diagnoses",
    input: base({
      diagnoses: Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? {
              system: "ICD-10" as const,
              code: `E11.${i % 10}`,
              display: `Type 2 diabetes mellitus, variant ${i}`,
            }
          : { system: "SNOMED-CT" as const, code: "195967001", display: `Asthma, entry ${i}` },
      ),
    }),
  },
  {
    name: "amendment, version 3",
    input: base({ version: 3, plan: "Amended plan: switch to video follow-up weekly." }),
  },
  {
    name: "vitals measured after the call started",
    input: base({ vitals: { ...vitals(), measuredAt: "2026-03-02T09:41:00Z" } }),
  },
  {
    name: "only SpO2 and pulse",
    input: base({ vitals: { spo2: { value: 91, unit: "%" }, pulse: { value: 104, unit: "/min" } } }),
  },
  { name: "empty subjective and objective sections", input: base({ subjective: "", objective: "" }) },
  { name: "whitespace-only plan", input: base({ plan: "   \n\t " }) },
  {
    name: "all four sections empty, diagnoses only",
    input: base({ subjective: "", objective: "", assessment: "", plan: "", vitals: undefined }),
  },
  {
    name: "all sections empty, nothing else",
    input: patch(base({ subjective: "", objective: "", assessment: "", plan: "" }), (n) => {
      delete n.diagnoses;
      delete n.vitals;
    }),
  },
  {
    name: "100 KB of text in every section",
    input: base({
      subjective: longText(100, "S:"),
      objective: longText(100, "O:"),
      assessment: longText(100, "A:"),
      plan: longText(100, "P:"),
    }),
  },
  {
    name: "emoji, ZWJ sequences and astral characters",
    input: base({
      subjective: "Feels 🤒🤧, kid 👩‍👧‍👦 also sick. Pain 7/10 😣. 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math.",
      plan: "💊 ibuprofen 400 mg ×3/day 🩺",
    }),
  },
  {
    name: "right-to-left Arabic note",
    input: base({
      language: "ar-sa",
      territory: "SA",
      subjective: "يشكو المريض من سعال جاف منذ ثلاثة أيام.",
      assessment: "عدوى فيروسية في الجهاز التنفسي العلوي",
      provider: { id: "prov-ar-1", name: "د. سارة الأحمد" },
    }),
  },
  {
    name: "Hebrew with bidi control marks",
    input: base({
      language: "he",
      territory: "IL",
      objective: "\u202Bבדיקה תקינה\u202C, חום 37.2 \u200Fמעלות",
    }),
  },
  {
    name: "Chinese note",
    input: base({ language: "zh", territory: "TW", plan: "多喝水，休息三天。如有高燒請回診。" }),
  },
  {
    name: "markup, quotes and backslashes are just text",
    input: base({ objective: '<script>alert("x")</script> \\n {"json": true} `code` \'single\' — “curly”' }),
  },
  { name: "tabs and CRLF line breaks", input: base({ subjective: "Line 1\r\nLine 2\r\n\tindented" }) },
  {
    name: "chat consult at a German clinic",
    input: base({
      language: "de",
      territory: "DE",
      encounter: { id: "enc-chat", start: "2026-06-01T08:00:00+02:00", kind: "chat" },
      signedAt: "2026-06-01T08:30:00+02:00",
      subjective: "Übelkeit seit gestern, kein Fieber. Größe/Gewicht unverändert.",
    }),
  },

  // ── one note per language: delivered, or refused naming `language` (see ./languages.ts) ──────
  ...LANGUAGE_CASES.map(
    (c): CorpusCase => ({
      name: `note written in ${c.language} (${c.territory})`,
      input: languageNote(c),
      ...(c.expect === "refused" ? { rejects: ["language"] } : {}),
    }),
  ),

  // ── adversarial, rejected client-side with the field named ──────────────────────────────────
  { name: "missing provider", input: without(base(), "provider"), rejects: ["provider"] },
  {
    name: "provider without a name",
    input: base({ provider: { id: "prov-1", name: "  " } }),
    rejects: ["provider.name"],
  },
  {
    name: "malformed ICD-10 code (dash)",
    input: base({ diagnoses: [{ system: "ICD-10", code: "J06-9", display: "URI" }] }),
    rejects: ["diagnoses[0].code"],
  },
  {
    name: "malformed ICD-10 code (lower case, no dot)",
    input: base({ diagnoses: [{ system: "ICD-10", code: "j069", display: "URI" }] }),
    rejects: ["diagnoses[0].code"],
  },
  {
    name: "SNOMED CT id with a wrong check digit",
    input: base({ diagnoses: [{ system: "SNOMED-CT", code: "38341004", display: "Hypertension" }] }),
    rejects: ["diagnoses[0].code"],
  },
  {
    name: "unsupported code system",
    input: patch(base(), (n) => {
      n.diagnoses = [{ system: "ICD-9", code: "465.9", display: "URI" }];
    }),
    rejects: ["diagnoses[0].system"],
  },
  {
    name: "diagnosis without display text",
    input: base({ diagnoses: [{ system: "ICD-10", code: "I10", display: "" }] }),
    rejects: ["diagnoses[0].display"],
  },
  {
    name: "temperature out of range (150 °C)",
    input: base({ vitals: { temperature: { value: 150, unit: "Cel" } } }),
    rejects: ["vitals.temperature.value"],
  },
  {
    name: "temperature in °F entered as °C (98.6 Cel)",
    input: base({ vitals: { temperature: { value: 98.6, unit: "Cel" } } }),
    rejects: ["vitals.temperature.value"],
  },
  {
    name: "temperature with a non-UCUM unit (F)",
    input: patch(base(), (n) => {
      n.vitals = { temperature: { value: 101, unit: "F" } };
    }),
    rejects: ["vitals.temperature.unit"],
  },
  {
    name: "weight in lbs (not UCUM)",
    input: patch(base(), (n) => {
      n.vitals = { weight: { value: 180, unit: "lbs" } };
    }),
    rejects: ["vitals.weight.unit"],
  },
  {
    name: "negative pulse",
    input: base({ vitals: { pulse: { value: -5, unit: "/min" } } }),
    rejects: ["vitals.pulse.value"],
  },
  {
    name: "SpO2 above 100 %",
    input: base({ vitals: { spo2: { value: 104, unit: "%" } } }),
    rejects: ["vitals.spo2.value"],
  },
  {
    name: "diastolic above systolic",
    input: base({ vitals: { bloodPressure: { systolic: 80, diastolic: 120, unit: "mm[Hg]" } } }),
    rejects: ["vitals.bloodPressure.diastolic"],
  },
  {
    name: "pulse given as a string",
    input: patch(base(), (n) => {
      n.vitals = { pulse: { value: "72", unit: "/min" } };
    }),
    rejects: ["vitals.pulse.value"],
  },
  {
    name: "far-future signing time",
    input: base({ signedAt: "2999-01-01T00:00:00Z" }),
    rejects: ["signedAt"],
  },
  {
    name: "far-future encounter",
    input: base({
      encounter: { id: "enc-future", start: "3026-03-02T09:30:00Z", kind: "video" },
      signedAt: "3026-03-02T10:00:00Z",
    }),
    rejects: ["encounter.start", "signedAt"],
  },
  {
    name: "encounter ends before it starts",
    input: base({
      encounter: { id: "enc-x", start: "2026-03-02T09:30:00Z", end: "2026-03-02T08:30:00Z", kind: "video" },
    }),
    rejects: ["encounter.end"],
  },
  {
    name: "date without zone offset",
    input: base({ signedAt: "2026-03-02T10:05:00" }),
    rejects: ["signedAt"],
  },
  {
    name: "NUL character in the story",
    input: base({ subjective: "cough\u0000fever" }),
    rejects: ["subjective"],
  },
  {
    name: "terminal escape sequence in the plan",
    input: base({ plan: "rest \u001b[31mred\u001b[0m" }),
    rejects: ["plan"],
  },
  {
    name: "unpaired surrogate in the assessment",
    input: base({ assessment: "broken \uD83D text" }),
    rejects: ["assessment"],
  },
  {
    name: "language and territory not ISO codes",
    input: base({ language: "english", territory: "usa" }),
    rejects: ["language", "territory"],
  },
  {
    name: "patient namespace with a dot",
    input: base({ patient: { id: "p-1", namespace: "com.example" } }),
    rejects: ["patient.namespace"],
  },
  { name: "version 0", input: base({ version: 0 }), rejects: ["version"] },
  { name: "missing note id", input: without(base(), "noteId"), rejects: ["noteId"] },
  {
    name: "unknown encounter kind",
    input: patch(base(), (n) => {
      n.encounter.kind = "hologram";
    }),
    rejects: ["encounter.kind"],
  },
  {
    name: "section longer than 1,000,000 characters",
    input: base({ objective: "x".repeat(1_000_001) }),
    rejects: ["objective"],
  },
  {
    name: "section that is not a string",
    input: patch(base(), (n) => {
      n.plan = 42;
    }),
    rejects: ["plan"],
  },
];
