/**
 * FLAT keys of the shipped SOAP template (`ehr_sync.soap_note.v2`, web-template root id `soap_note`),
 * as EHRbase 2.16 derives them from the template. One table, used by both mapping directions.
 */
import type { VitalName } from "../soap/vital-rules.js";

export const SOAP_ROOT = "soap_note";

/** The entries holding the four texts (each ENTRY carries its own `language`). */
export const SOAP_TEXT_ENTRIES = {
  subjective: `${SOAP_ROOT}/subjective/story_history`,
  objective: `${SOAP_ROOT}/objective/findings`,
  assessment: `${SOAP_ROOT}/assessment/clinical_synopsis`,
  plan: `${SOAP_ROOT}/plan/clinical_synopsis`,
} as const;

export const SOAP_PATHS = {
  uid: `${SOAP_ROOT}/_uid`,
  language: `${SOAP_ROOT}/language|code`,
  languageTerminology: `${SOAP_ROOT}/language|terminology`,
  category: `${SOAP_ROOT}/category`,
  setting: `${SOAP_ROOT}/context/setting`,
  territory: `${SOAP_ROOT}/territory|code`,
  composerName: `${SOAP_ROOT}/composer|name`,
  composerId: `${SOAP_ROOT}/composer|id`,
  startTime: `${SOAP_ROOT}/context/start_time`,
  endTime: `${SOAP_ROOT}/context/_end_time`,
  facilityName: `${SOAP_ROOT}/context/_health_care_facility|name`,
  facilityId: `${SOAP_ROOT}/context/_health_care_facility|id`,
  subjective: `${SOAP_TEXT_ENTRIES.subjective}/story`,
  objective: `${SOAP_TEXT_ENTRIES.objective}/synopsis`,
  assessment: `${SOAP_TEXT_ENTRIES.assessment}/synopsis`,
  plan: `${SOAP_TEXT_ENTRIES.plan}/synopsis`,
  feederAudit: `${SOAP_ROOT}/_feeder_audit`,
} as const;

/** `…/problem_diagnosis:{i}`: the i-th diagnosis entry. */
export function diagnosisEntryPath(index: number): string {
  return `${SOAP_ROOT}/assessment/problem_diagnosis:${index}`;
}

/** `…/problem_diagnosis:{i}/problem_diagnosis_name` (then `|value`, `|code`, `|terminology`). */
export function diagnosisPath(index: number): string {
  return `${diagnosisEntryPath(index)}/problem_diagnosis_name`;
}

/** `…/_feeder_audit/originating_system_item_id:{i}` (then `|id`, `|type`, `|issuer`, `|assigner`). */
export function originatingItemPath(index: number): string {
  return `${SOAP_PATHS.feederAudit}/originating_system_item_id:${index}`;
}

/** Observation and element ids per vital; the event is `any_event:0`. */
export const VITAL_PATHS: Readonly<
  Record<VitalName, { observation: string; elements: Record<string, string> }>
> = {
  bloodPressure: {
    observation: `${SOAP_ROOT}/objective/blood_pressure`,
    elements: { systolic: "systolic", diastolic: "diastolic" },
  },
  pulse: { observation: `${SOAP_ROOT}/objective/pulse_heart_beat`, elements: { value: "pulse_rate" } },
  temperature: { observation: `${SOAP_ROOT}/objective/body_temperature`, elements: { value: "temperature" } },
  respirationRate: { observation: `${SOAP_ROOT}/objective/respirations`, elements: { value: "rate" } },
  spo2: { observation: `${SOAP_ROOT}/objective/pulse_oximetry`, elements: { value: "spo" } },
  weight: { observation: `${SOAP_ROOT}/objective/body_weight`, elements: { value: "weight" } },
  height: { observation: `${SOAP_ROOT}/objective/height_length`, elements: { value: "height_length" } },
};

/** Note diagnosis system ⇄ openEHR terminology id (RM: names from the UMLS terminology list). */
export const TERMINOLOGY_IDS = { "ICD-10": "ICD10", "SNOMED-CT": "SNOMED-CT" } as const;

/** Feeder-audit item types that carry the note's own identifiers. */
export const ITEM_TYPES = {
  note: "soap_note_id",
  /** Followed by `:` and the encounter kind, e.g. `encounter:video`. */
  encounter: "encounter",
  patient: "patient_id",
} as const;
