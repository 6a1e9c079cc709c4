/**
 * SOAP note → FLAT composition for the shipped template. Pure and deterministic: the same note and
 * options always give the same FLAT (the composition uid derives from the note id).
 */
import { FLAT_CTX_LANGUAGES } from "../openehr/iso-codes.js";
import { OPENEHR_CATEGORY, OPENEHR_SETTING, openehrRubric } from "../openehr/openehr-terminology.js";
import type { SoapNote } from "../soap/note.js";
import type { VitalName } from "../soap/vital-rules.js";
import { SOAP_TEMPLATE_ID } from "../templates/soap-template-id.js";
import { compositionUidFor } from "./composition-uid.js";
import {
  diagnosisEntryPath,
  diagnosisPath,
  ITEM_TYPES,
  originatingItemPath,
  SOAP_PATHS,
  SOAP_ROOT,
  SOAP_TEXT_ENTRIES,
  TERMINOLOGY_IDS,
  VITAL_PATHS,
} from "./soap-flat-paths.js";

export interface SoapMappingOptions {
  /** EHRbase system id (`server.nodename`, e.g. `local.ehrbase.org`): part of the composition uid. */
  systemId: string;
  /** Template to commit against; defaults to the shipped `ehr_sync.soap_note.v2`. */
  templateId?: string;
  /** Name of the source system in the feeder audit (default `ehr-sync`). */
  sourceSystem?: string;
  /** Namespace of composer and facility ids (default `ehr-sync`). */
  idNamespace?: string;
  /** openEHR "setting" code for context/setting (default `238` other care); its text follows the note's language. */
  setting?: string;
  /** Send `_uid` (default true). Creates need it for idempotency; an update may leave it out. */
  includeUid?: boolean;
}

export interface MappedComposition {
  templateId: string;
  /** `{uuidV5(noteId)}::{systemId}::1`. */
  compositionUid: string;
  /** The EHR the composition belongs in (EHR_STATUS.subject.external_ref). */
  ehrSubject: { id: string; namespace: string };
  flat: Record<string, unknown>;
}

/** Sections whose text is blank are left out: openEHR DV_TEXT values must not be empty. */
const NON_BLANK = /\S/;
function setText(flat: Record<string, unknown>, path: string, value: string | undefined): void {
  if (typeof value === "string" && NON_BLANK.test(value)) flat[path] = value;
}

// FLAT keys are built once at load time: mapping runs per note and string building dominated it.
const AUDIT = SOAP_PATHS.feederAudit;
const AUDIT_SYSTEM = `${AUDIT}/originating_system_audit|system_id`;
const AUDIT_VERSION = `${AUDIT}/originating_system_audit|version_id`;
const AUDIT_TIME = `${AUDIT}/originating_system_audit|time`;
const ITEM_KEYS = [0, 1, 2].map((i) => {
  const item = originatingItemPath(i);
  return { id: `${item}|id`, type: `${item}|type`, issuer: `${item}|issuer`, assigner: `${item}|assigner` };
});
interface VitalKeys {
  name: VitalName;
  time: string;
  /** [note field, FLAT key of the number, FLAT key of the unit (quantities only)] */
  parts: [string, string, string | undefined][];
  denominator?: string;
  proportionType?: string;
}
const VITAL_KEYS: VitalKeys[] = (Object.keys(VITAL_PATHS) as VitalName[]).map((name) => {
  const { observation, elements } = VITAL_PATHS[name];
  const event = `${observation}/any_event:0`;
  const parts = Object.entries(elements).map(([part, element]): [string, string, string | undefined] =>
    name === "spo2"
      ? [part, `${event}/${element}|numerator`, undefined]
      : [part, `${event}/${element}|magnitude`, `${event}/${element}|unit`],
  );
  const keys: VitalKeys = { name, time: `${event}/time`, parts };
  if (name === "spo2") {
    keys.denominator = `${event}/${elements.value}|denominator`;
    keys.proportionType = `${event}/${elements.value}|type`;
  }
  return keys;
});
const diagnosisKeys: { value: string; code: string; terminology: string }[] = [];
function diagnosisKeysAt(i: number) {
  for (let n = diagnosisKeys.length; n <= i; n++) {
    const path = diagnosisPath(n);
    diagnosisKeys.push({ value: `${path}|value`, code: `${path}|code`, terminology: `${path}|terminology` });
  }
  return diagnosisKeys[i] as { value: string; code: string; terminology: string };
}

function codedText(flat: Record<string, unknown>, path: string, code: string, value: string | undefined) {
  flat[`${path}|code`] = code;
  flat[`${path}|value`] = value;
  flat[`${path}|terminology`] = "openehr";
}

const TEXT_ENTRIES = Object.values(SOAP_TEXT_ENTRIES);
const VITAL_ENTRIES = Object.values(VITAL_PATHS).map((vital) => vital.observation);

/**
 * The composition's language and that of every entry present. `ctx/language` sets both, but EHRbase
 * reads it through an enum that lacks some ISO 639-1 codes (e.g. `ar`); those are written per node.
 */
function setLanguage(flat: Record<string, unknown>, language: string): void {
  if (FLAT_CTX_LANGUAGES.has(language)) {
    flat["ctx/language"] = language;
    return;
  }
  const keys = Object.keys(flat);
  const present = (entry: string) => keys.some((key) => key.startsWith(`${entry}/`));
  const entries = [...TEXT_ENTRIES, ...VITAL_ENTRIES].filter(present);
  for (let i = 0; present(diagnosisEntryPath(i)); i++) entries.push(diagnosisEntryPath(i));
  for (const node of [SOAP_ROOT, ...entries]) {
    flat[`${node}/language|code`] = language;
    flat[`${node}/language|terminology`] = "ISO_639-1";
  }
}

export function mapSoapNoteToFlat(note: SoapNote, options: SoapMappingOptions): MappedComposition {
  const templateId = options.templateId ?? SOAP_TEMPLATE_ID;
  const source = options.sourceSystem ?? "ehr-sync";
  const compositionUid = compositionUidFor(note.noteId, options.systemId);
  const flat: Record<string, unknown> = {
    "ctx/territory": note.territory,
    "ctx/time": note.encounter?.start,
    "ctx/composer_name": note.provider?.name,
    "ctx/composer_id": note.provider?.id,
    "ctx/id_namespace": options.idNamespace ?? "ehr-sync",
    "ctx/id_scheme": "ehr-sync",
  };
  // openEHR-terminology texts in the language EHRbase checks them in (pt: "evento", else "event").
  const setting = options.setting ?? "238";
  codedText(flat, SOAP_PATHS.category, "433", openehrRubric(OPENEHR_CATEGORY, "433", note.language));
  codedText(flat, SOAP_PATHS.setting, setting, openehrRubric(OPENEHR_SETTING, setting, note.language));
  if (note.encounter?.end !== undefined) flat["ctx/end_time"] = note.encounter.end;
  if (note.facility) {
    flat["ctx/health_care_facility|name"] = note.facility.name;
    if (note.facility.id !== undefined) flat["ctx/health_care_facility|id"] = note.facility.id;
  }
  if (options.includeUid ?? true) flat[SOAP_PATHS.uid] = compositionUid;

  // Feeder audit: who signed what, when, in which version; the note id is the AQL lookup key.
  flat[AUDIT_SYSTEM] = source;
  flat[AUDIT_VERSION] = String(note.version);
  flat[AUDIT_TIME] = note.signedAt;
  const items: [string | undefined, string, string | undefined][] = [
    [note.noteId, ITEM_TYPES.note, source],
    [note.encounter?.id, `${ITEM_TYPES.encounter}:${note.encounter?.kind}`, source],
    [note.patient?.id, ITEM_TYPES.patient, note.patient?.namespace],
  ];
  for (let i = 0; i < items.length; i++) {
    const [id, type, issuer] = items[i] as [string | undefined, string, string | undefined];
    const keys = ITEM_KEYS[i] as (typeof ITEM_KEYS)[number];
    flat[keys.id] = id;
    flat[keys.type] = type;
    flat[keys.issuer] = issuer;
    flat[keys.assigner] = source;
  }

  setText(flat, SOAP_PATHS.subjective, note.subjective);
  setText(flat, SOAP_PATHS.objective, note.objective);
  setText(flat, SOAP_PATHS.assessment, note.assessment);
  setText(flat, SOAP_PATHS.plan, note.plan);

  const diagnoses = note.diagnoses;
  if (diagnoses) {
    for (let i = 0; i < diagnoses.length; i++) {
      const diagnosis = diagnoses[i] as (typeof diagnoses)[number];
      const keys = diagnosisKeysAt(i);
      flat[keys.value] = diagnosis.display;
      flat[keys.code] = diagnosis.code;
      flat[keys.terminology] = TERMINOLOGY_IDS[diagnosis.system] ?? diagnosis.system;
    }
  }

  const vitals = note.vitals;
  if (vitals) {
    for (const keys of VITAL_KEYS) {
      const vital = vitals[keys.name] as Record<string, unknown> | undefined;
      if (!vital) continue;
      if (vitals.measuredAt !== undefined) flat[keys.time] = vitals.measuredAt;
      for (const [part, numberKey, unitKey] of keys.parts) {
        flat[numberKey] = vital[part];
        if (unitKey) flat[unitKey] = vital.unit;
      }
      // SpO2 is a DV_PROPORTION, type 2 = percent: numerator over a fixed denominator of 100.
      if (keys.denominator) flat[keys.denominator] = 100;
      if (keys.proportionType) flat[keys.proportionType] = 2;
    }
  }
  setLanguage(flat, note.language);
  return {
    templateId,
    compositionUid,
    ehrSubject: { id: note.patient?.id, namespace: note.patient?.namespace },
    flat,
  };
}
