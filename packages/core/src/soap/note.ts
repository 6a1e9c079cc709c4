/**
 * The SOAP note as the source application signs it: what ehr-sync maps to an openEHR composition.
 * Times are ISO 8601 date-times with a zone offset (`2026-03-01T09:30:00Z`, `…+02:00`).
 */

/** How the encounter took place (recorded in the composition's feeder audit). */
export type EncounterKind = "video" | "phone" | "in_person" | "home_visit" | "chat" | "other";

export const ENCOUNTER_KINDS: readonly EncounterKind[] = [
  "video",
  "phone",
  "in_person",
  "home_visit",
  "chat",
  "other",
];

/** Code systems accepted for diagnoses, and the openEHR terminology id each maps to. */
export type DiagnosisSystem = "ICD-10" | "SNOMED-CT";

export interface Diagnosis {
  system: DiagnosisSystem;
  /** ICD-10 code (`J06.9`) or SNOMED CT concept id (`54150009`). */
  code: string;
  /** Human-readable term, e.g. "Acute upper respiratory infection". */
  display: string;
}

export interface BloodPressure {
  systolic: number;
  diastolic: number;
  unit: "mm[Hg]";
}

/** A single measured value with its UCUM unit. */
export interface Measurement<Unit extends string> {
  value: number;
  unit: Unit;
}

export interface VitalSigns {
  /** When the vitals were measured; defaults to the encounter start. */
  measuredAt?: string;
  bloodPressure?: BloodPressure;
  pulse?: Measurement<"/min">;
  temperature?: Measurement<"Cel" | "[degF]">;
  respirationRate?: Measurement<"/min">;
  spo2?: Measurement<"%">;
  weight?: Measurement<"kg" | "g" | "[lb_av]">;
  height?: Measurement<"cm" | "[in_i]">;
}

export interface SoapNote {
  /** Stable id of the note in the source system; the composition uid derives from it. */
  noteId: string;
  /** 1 for the first signed version; amendments raise it. */
  version: number;
  /** The patient as the source knows them; becomes the EHR subject (id + namespace). */
  patient: { id: string; namespace: string };
  encounter: { id: string; start: string; end?: string; kind: EncounterKind };
  /** The signing provider: the composition's composer. */
  provider: { id: string; name: string };
  facility?: { id?: string; name: string };
  signedAt: string;
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
  diagnoses?: Diagnosis[];
  vitals?: VitalSigns;
  /** ISO 639-1 language of the note text, e.g. `en`, `pt`, `ar`, or an openEHR regional code (`es-mx`); not `es`/`ja`, see README. */
  language: string;
  /** ISO 3166-1 alpha-2 country, e.g. `US`. */
  territory: string;
}

/** One problem with the input: the field path and a message. Messages never repeat the value (PHI). */
export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; note: T } | { ok: false; errors: FieldError[] };
