/**
 * FLAT composition (as EHRbase returns it for the shipped template) → SOAP note: the round trip.
 * Date-times come back as UTC instants (`toISOString()` form); compare with `normalizeSoapNote`.
 */
import type { Diagnosis, DiagnosisSystem, EncounterKind, SoapNote, VitalSigns } from "../soap/note.js";
import type { VitalName } from "../soap/vital-rules.js";
import { diagnosisPath, ITEM_TYPES, SOAP_PATHS, TERMINOLOGY_IDS, VITAL_PATHS } from "./soap-flat-paths.js";

export class FlatMappingError extends Error {
  constructor(readonly field: string) {
    super(`FLAT composition has no value for ${field}`);
    this.name = "FlatMappingError";
  }
}

const ITEM_KEY = /^soap_note\/_feeder_audit\/originating_system_item_id:(\d+)\|type$/;
const SYSTEM_BY_TERMINOLOGY: Record<string, DiagnosisSystem> = Object.fromEntries(
  Object.entries(TERMINOLOGY_IDS).map(([system, terminology]) => [terminology, system as DiagnosisSystem]),
);

function instant(value: string): string {
  return new Date(value).toISOString();
}

function str(flat: Record<string, unknown>, key: string): string | undefined {
  const value = flat[key];
  return typeof value === "string" ? value : undefined;
}

function required(flat: Record<string, unknown>, key: string, field: string): string {
  const value = str(flat, key);
  if (value === undefined) throw new FlatMappingError(field);
  return value;
}

function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

export function mapFlatToSoapNote(flat: Record<string, unknown>): SoapNote {
  const audit = SOAP_PATHS.feederAudit;
  const items = new Map<string, { id: string; issuer: string | undefined; type: string }>();
  for (const key of Object.keys(flat)) {
    const match = ITEM_KEY.exec(key);
    if (!match) continue;
    const prefix = key.slice(0, key.length - "|type".length);
    const type = flat[key] as string;
    const id = str(flat, `${prefix}|id`);
    if (id === undefined) continue;
    const kind = type.startsWith(`${ITEM_TYPES.encounter}:`) ? ITEM_TYPES.encounter : type;
    items.set(kind, { id, issuer: str(flat, `${prefix}|issuer`), type });
  }
  const noteItem = items.get(ITEM_TYPES.note);
  const encounterItem = items.get(ITEM_TYPES.encounter);
  const patientItem = items.get(ITEM_TYPES.patient);
  if (!noteItem) throw new FlatMappingError("noteId");
  if (!encounterItem) throw new FlatMappingError("encounter.id");
  if (!patientItem || patientItem.issuer === undefined) throw new FlatMappingError("patient");

  const start = instant(required(flat, SOAP_PATHS.startTime, "encounter.start"));
  const end = str(flat, SOAP_PATHS.endTime);
  const note: SoapNote = {
    noteId: noteItem.id,
    version: Number(required(flat, `${audit}/originating_system_audit|version_id`, "version")),
    patient: { id: patientItem.id, namespace: patientItem.issuer },
    encounter: {
      id: encounterItem.id,
      start,
      kind: encounterItem.type.slice(ITEM_TYPES.encounter.length + 1) as EncounterKind,
    },
    provider: {
      id: required(flat, SOAP_PATHS.composerId, "provider.id"),
      name: required(flat, SOAP_PATHS.composerName, "provider.name"),
    },
    signedAt: instant(required(flat, `${audit}/originating_system_audit|time`, "signedAt")),
    subjective: str(flat, SOAP_PATHS.subjective) ?? "",
    objective: str(flat, SOAP_PATHS.objective) ?? "",
    assessment: str(flat, SOAP_PATHS.assessment) ?? "",
    plan: str(flat, SOAP_PATHS.plan) ?? "",
    language: required(flat, SOAP_PATHS.language, "language"),
    territory: required(flat, SOAP_PATHS.territory, "territory"),
  };
  if (end !== undefined) note.encounter.end = instant(end);
  const facilityName = str(flat, SOAP_PATHS.facilityName);
  if (facilityName !== undefined) {
    const facilityId = str(flat, SOAP_PATHS.facilityId);
    note.facility =
      facilityId !== undefined ? { id: facilityId, name: facilityName } : { name: facilityName };
  }

  const diagnoses: Diagnosis[] = [];
  for (let i = 0; str(flat, `${diagnosisPath(i)}|code`) !== undefined; i++) {
    const path = diagnosisPath(i);
    const terminology = str(flat, `${path}|terminology`) ?? "";
    diagnoses.push({
      system: SYSTEM_BY_TERMINOLOGY[terminology] ?? (terminology as DiagnosisSystem),
      code: str(flat, `${path}|code`) as string,
      display: str(flat, `${path}|value`) ?? "",
    });
  }
  if (diagnoses.length > 0) note.diagnoses = diagnoses;

  const vitals: VitalSigns = {};
  for (const name of Object.keys(VITAL_PATHS) as VitalName[]) {
    const { observation, elements } = VITAL_PATHS[name];
    const event = `${observation}/any_event:0`;
    const vital: Record<string, unknown> = {};
    for (const [part, element] of Object.entries(elements)) {
      const value = num(flat[`${event}/${element}|${name === "spo2" ? "numerator" : "magnitude"}`]);
      if (value !== undefined) vital[part] = value;
      if (name !== "spo2") {
        const unit = str(flat, `${event}/${element}|unit`);
        if (unit !== undefined) vital.unit = unit;
      }
    }
    if (Object.keys(vital).length === 0) continue;
    if (name === "spo2") vital.unit = "%";
    (vitals as Record<string, unknown>)[name] = vital;
    const time = str(flat, `${event}/time`);
    // The event time only carries information when it differs from the encounter start.
    if (time !== undefined && instant(time) !== start) vitals.measuredAt = instant(time);
  }
  if (Object.keys(vitals).length > 0) note.vitals = vitals;
  return note;
}

/**
 * The canonical form of a note as it survives a round trip: date-times as UTC instants, blank
 * sections as "", a measuredAt equal to the encounter start dropped, empty lists/objects removed.
 */
export function normalizeSoapNote(note: SoapNote): SoapNote {
  const start = instant(note.encounter.start);
  const copy: SoapNote = {
    ...note,
    patient: { ...note.patient },
    encounter: { ...note.encounter, start },
    provider: { ...note.provider },
    signedAt: instant(note.signedAt),
    subjective: note.subjective.trim() === "" ? "" : note.subjective,
    objective: note.objective.trim() === "" ? "" : note.objective,
    assessment: note.assessment.trim() === "" ? "" : note.assessment,
    plan: note.plan.trim() === "" ? "" : note.plan,
  };
  if (note.encounter.end !== undefined) copy.encounter.end = instant(note.encounter.end);
  if (note.facility) copy.facility = { ...note.facility };
  if (!note.diagnoses || note.diagnoses.length === 0) delete copy.diagnoses;
  if (note.vitals) {
    const vitals: VitalSigns = { ...note.vitals };
    if (vitals.measuredAt !== undefined) {
      const measuredAt = instant(vitals.measuredAt);
      if (measuredAt === start) delete vitals.measuredAt;
      else vitals.measuredAt = measuredAt;
    }
    if (Object.keys(vitals).some((k) => k !== "measuredAt")) copy.vitals = vitals;
    else delete copy.vitals;
  }
  return copy;
}
