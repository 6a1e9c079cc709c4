/**
 * Field-level validation of a SOAP note coming from the source application (untyped JSON).
 * Every error names the field by path (`vitals.pulse.value`) and states the rule; no message
 * repeats the offending value, because values are patient data.
 */
import { ISO_639_1, ISO_3166_1 } from "../openehr/iso-codes.js";
import { EHRBASE_UNSTORABLE_LANGUAGES } from "../openehr/openehr-terminology.js";
import {
  type Diagnosis,
  type DiagnosisSystem,
  ENCOUNTER_KINDS,
  type EncounterKind,
  type FieldError,
  type SoapNote,
  type ValidationResult,
  type VitalSigns,
} from "./note.js";
import { VITAL_RULES, type VitalName } from "./vital-rules.js";

export interface ValidateSoapNoteOptions {
  /** Clock used for "not in the future" checks; defaults to the current time. */
  now?: Date;
  /** Allowed clock skew for times in the future (default 24 h: zones and device clocks). */
  futureToleranceMs?: number;
  /** Longest accepted section text, in UTF-16 code units (default 1,000,000). */
  maxSectionLength?: number;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** EHRbase's PARTY_REF namespace rule (a subject namespace with e.g. a dot is rejected with 400). */
const NAMESPACE = /^[a-zA-Z][a-zA-Z0-9\-_:/&+?]*$/;
/** ICD-10 (WHO and national modifications): letter, two digits (or digit+letter), optional .1–4 chars. */
const ICD10 = /^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/;
/** SNOMED CT identifier: 6–18 digits, no leading zero, Verhoeff check digit. */
const SCTID = /^[1-9][0-9]{5,17}$/;
/** C0 controls except TAB, LF, CR; DEL; C1 controls. PostgreSQL/JSON storage and renderers choke on them. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SECTIONS = ["subjective", "objective", "assessment", "plan"] as const;
const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 500;
const EARLIEST = Date.UTC(1900, 0, 1);

type Json = Record<string, unknown>;

class Collector {
  readonly errors: FieldError[] = [];
  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(
  c: Collector,
  input: Json,
  key: string,
  field: string,
  rules: { required: boolean; maxLength: number; allowEmpty?: boolean },
): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (rules.required) c.add(field, "is required");
    return undefined;
  }
  if (typeof value !== "string") {
    c.add(field, "must be a string");
    return undefined;
  }
  if (!rules.allowEmpty && value.trim().length === 0) {
    c.add(field, "must not be empty");
    return undefined;
  }
  if (value.length > rules.maxLength) {
    c.add(field, `must be at most ${rules.maxLength} characters long`);
    return undefined;
  }
  if (CONTROL.test(value)) {
    c.add(field, "must not contain control characters (only tab, line feed and carriage return are allowed)");
    return undefined;
  }
  if (LONE_SURROGATE.test(value)) {
    c.add(field, "must be valid Unicode (contains an unpaired surrogate)");
    return undefined;
  }
  return value;
}

function dateTime(c: Collector, input: Json, key: string, field: string, required: boolean, latest: number) {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) c.add(field, "is required");
    return undefined;
  }
  if (typeof value !== "string" || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    c.add(field, "must be an ISO 8601 date-time with a zone offset, e.g. 2026-03-01T09:30:00Z");
    return undefined;
  }
  const instant = Date.parse(value);
  if (instant < EARLIEST) {
    c.add(field, "must not be before 1900-01-01");
    return undefined;
  }
  if (instant > latest) {
    c.add(field, "must not be in the future");
    return undefined;
  }
  return value;
}

function object(c: Collector, input: Json, key: string, field: string, required: boolean): Json | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) c.add(field, "is required");
    return undefined;
  }
  if (!isObject(value)) {
    c.add(field, "must be an object");
    return undefined;
  }
  return value;
}

/** Verhoeff check digit validation (SNOMED CT identifiers end in one). */
const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

export function hasValidVerhoeffCheckDigit(digits: string): boolean {
  let check = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    const row = VERHOEFF_P[i % 8] as number[];
    check = (VERHOEFF_D[check] as number[])[row[digit] as number] as number;
  }
  return check === 0;
}

function diagnoses(c: Collector, input: Json): Diagnosis[] | undefined {
  const value = input.diagnoses;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    c.add("diagnoses", "must be an array");
    return undefined;
  }
  const result: Diagnosis[] = [];
  value.forEach((item: unknown, i: number) => {
    const field = `diagnoses[${i}]`;
    if (!isObject(item)) {
      c.add(field, "must be an object");
      return;
    }
    const before = c.errors.length;
    const system = item.system;
    if (system !== "ICD-10" && system !== "SNOMED-CT")
      c.add(`${field}.system`, 'must be "ICD-10" or "SNOMED-CT"');
    const code = text(c, item, "code", `${field}.code`, { required: true, maxLength: 32 });
    if (code !== undefined && system === "ICD-10" && !ICD10.test(code))
      c.add(
        `${field}.code`,
        "must be an ICD-10 code such as J06.9 (letter, two characters, optional dot and 1-4 more)",
      );
    if (
      code !== undefined &&
      system === "SNOMED-CT" &&
      (!SCTID.test(code) || !hasValidVerhoeffCheckDigit(code))
    )
      c.add(`${field}.code`, "must be a SNOMED CT concept id (6-18 digits with a valid check digit)");
    const display = text(c, item, "display", `${field}.display`, {
      required: true,
      maxLength: MAX_NAME_LENGTH,
    });
    if (c.errors.length === before && code !== undefined && display !== undefined)
      result.push({ system: system as DiagnosisSystem, code, display });
  });
  return result;
}

function vitals(c: Collector, input: Json, latest: number): VitalSigns | undefined {
  const value = object(c, input, "vitals", "vitals", false);
  if (!value) return undefined;
  const result: VitalSigns = {};
  const measuredAt = dateTime(c, value, "measuredAt", "vitals.measuredAt", false, latest);
  if (measuredAt !== undefined) result.measuredAt = measuredAt;
  for (const name of Object.keys(VITAL_RULES) as VitalName[]) {
    const field = `vitals.${name}`;
    const vital = object(c, value, name, field, false);
    if (!vital) continue;
    const rule = VITAL_RULES[name];
    const unit = vital.unit;
    if (typeof unit !== "string" || !(unit in rule.units)) {
      c.add(`${field}.unit`, `must be one of ${Object.keys(rule.units).join(", ")} (UCUM)`);
      continue;
    }
    const range = rule.units[unit] as readonly [number, number];
    const numbers: Record<string, number> = {};
    for (const part of rule.parts) {
      const n = vital[part];
      if (typeof n !== "number" || !Number.isFinite(n)) {
        c.add(`${field}.${part}`, "must be a finite number");
        continue;
      }
      if (n < range[0] || n > range[1]) {
        c.add(`${field}.${part}`, `must be between ${range[0]} and ${range[1]} ${unit}`);
        continue;
      }
      numbers[part] = n;
    }
    if (Object.keys(numbers).length !== rule.parts.length) continue;
    if (name === "bloodPressure" && (numbers.diastolic as number) >= (numbers.systolic as number)) {
      c.add(`${field}.diastolic`, "must be lower than systolic");
      continue;
    }
    (result as Record<string, unknown>)[name] = { ...numbers, unit };
  }
  return result;
}

/**
 * Validates untyped input as a SoapNote. On success `note` is a clean copy holding only known fields;
 * on failure `errors` lists every problem found, each naming its field.
 */
export function validateSoapNote(
  input: unknown,
  options: ValidateSoapNoteOptions = {},
): ValidationResult<SoapNote> {
  const c = new Collector();
  if (!isObject(input)) return { ok: false, errors: [{ field: "", message: "note must be an object" }] };
  const latest = (options.now ?? new Date()).getTime() + (options.futureToleranceMs ?? 24 * 3_600_000);
  const maxSection = options.maxSectionLength ?? 1_000_000;
  const id = { required: true, maxLength: MAX_ID_LENGTH };

  const noteId = text(c, input, "noteId", "noteId", id);
  const version = input.version;
  if (version === undefined || version === null) c.add("version", "is required");
  else if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1)
    c.add("version", "must be an integer >= 1");

  const patientIn = object(c, input, "patient", "patient", true);
  const patientId = patientIn && text(c, patientIn, "id", "patient.id", id);
  const namespace = patientIn && text(c, patientIn, "namespace", "patient.namespace", id);
  if (namespace !== undefined && !NAMESPACE.test(namespace))
    c.add("patient.namespace", "must start with a letter and use only letters, digits and - _ : / & + ?");

  const encounterIn = object(c, input, "encounter", "encounter", true);
  const encounterId = encounterIn && text(c, encounterIn, "id", "encounter.id", id);
  const start = encounterIn && dateTime(c, encounterIn, "start", "encounter.start", true, latest);
  const end = encounterIn && dateTime(c, encounterIn, "end", "encounter.end", false, latest);
  if (start !== undefined && end !== undefined && Date.parse(end) < Date.parse(start))
    c.add("encounter.end", "must not be before encounter.start");
  const kind = encounterIn?.kind;
  if (encounterIn && !ENCOUNTER_KINDS.includes(kind as EncounterKind))
    c.add("encounter.kind", `must be one of ${ENCOUNTER_KINDS.join(", ")}`);

  const providerIn = object(c, input, "provider", "provider", true);
  const providerId = providerIn && text(c, providerIn, "id", "provider.id", id);
  const providerName =
    providerIn &&
    text(c, providerIn, "name", "provider.name", { required: true, maxLength: MAX_NAME_LENGTH });

  const facilityIn = object(c, input, "facility", "facility", false);
  const facilityName =
    facilityIn &&
    text(c, facilityIn, "name", "facility.name", { required: true, maxLength: MAX_NAME_LENGTH });
  const facilityId =
    facilityIn && text(c, facilityIn, "id", "facility.id", { required: false, maxLength: MAX_ID_LENGTH });

  const signedAt = dateTime(c, input, "signedAt", "signedAt", true, latest);
  if (signedAt !== undefined && start !== undefined && Date.parse(signedAt) < Date.parse(start))
    c.add("signedAt", "must not be before encounter.start");

  const sections: Record<string, string> = {};
  for (const name of SECTIONS) {
    const value = text(c, input, name, name, { required: true, maxLength: maxSection, allowEmpty: true });
    if (value !== undefined) sections[name] = value;
  }
  const diagnosisList = diagnoses(c, input);
  const vitalSigns = vitals(c, input, latest);

  const language = input.language;
  if (typeof language !== "string" || !ISO_639_1.has(language))
    c.add(
      "language",
      "must be an ISO 639-1 language code in lower case (openEHR regional variants allowed), e.g. en",
    );
  else if (EHRBASE_UNSTORABLE_LANGUAGES.has(language))
    c.add(
      "language",
      "EHRbase 2.16-2.31 cannot store a composition in plain es or ja (its openEHR-terminology check fails with HTTP 500, ehrbase/ehrbase#1252); give the regional code of the note's variety if openEHR has one (es-mx, es-ar, ...), see the README's language table",
    );
  const territory = input.territory;
  if (typeof territory !== "string" || !ISO_3166_1.has(territory))
    c.add("territory", "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. US");

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  const note: SoapNote = {
    noteId: noteId as string,
    version: version as number,
    patient: { id: patientId as string, namespace: namespace as string },
    encounter: { id: encounterId as string, start: start as string, kind: kind as EncounterKind },
    provider: { id: providerId as string, name: providerName as string },
    signedAt: signedAt as string,
    subjective: sections.subjective as string,
    objective: sections.objective as string,
    assessment: sections.assessment as string,
    plan: sections.plan as string,
    language: language as string,
    territory: territory as string,
  };
  if (end !== undefined) note.encounter.end = end;
  if (facilityName !== undefined)
    note.facility =
      facilityId !== undefined ? { id: facilityId, name: facilityName } : { name: facilityName };
  if (diagnosisList !== undefined && diagnosisList.length > 0) note.diagnoses = diagnosisList;
  if (vitalSigns !== undefined && Object.keys(vitalSigns).some((k) => k !== "measuredAt"))
    note.vitals = vitalSigns;
  return { ok: true, note };
}
