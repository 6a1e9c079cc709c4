/**
 * The one sample note of the test suites (all content invented): a realistic, valid telehealth SOAP
 * note. `sampleNote()` gives it in core's SoapNote shape, `sampleNoteRow()` as a row of
 * public.soap_notes; both with fresh ids, because EHRbase is shared with other test runs.
 * Runtime-neutral (globalThis.crypto only), so Deno can import it too.
 */

/** The clinical content every sample note carries. */
export const SAMPLE_NOTE = Object.freeze({
  encounter: { start: "2026-03-02T09:30:00Z", end: "2026-03-02T09:52:00Z", kind: "video" },
  provider: { id: "prov-0042", name: "Dr. Ana Souza" },
  facility: { id: "fac-7", name: "Riverside Telehealth Clinic" },
  signedAt: "2026-03-02T10:05:00Z",
  subjective: "Three days of sore throat and dry cough. No fever reported. Denies shortness of breath.",
  objective: "Alert, speaking full sentences on video. Mild pharyngeal erythema visible, no exudate.",
  assessment: "Likely viral upper respiratory infection.",
  plan: "Rest, fluids, paracetamol as needed. Return if fever above 39 °C or breathing difficulty.",
  diagnoses: [{ system: "ICD-10", code: "J06.9", display: "Acute upper respiratory infection, unspecified" }],
  vitals: {
    bloodPressure: { systolic: 122, diastolic: 78, unit: "mm[Hg]" },
    pulse: { value: 76, unit: "/min" },
    temperature: { value: 37.2, unit: "Cel" },
    respirationRate: { value: 16, unit: "/min" },
    spo2: { value: 98, unit: "%" },
    weight: { value: 71.5, unit: "kg" },
    height: { value: 176, unit: "cm" },
  },
  language: "en",
  territory: "US",
} as const);

const uuid = () => globalThis.crypto.randomUUID();

/** Deep, mutable copy of a frozen constant (so a test can change its copy freely). */
function copy<T>(value: T): Mutable<T> {
  return structuredClone(value) as Mutable<T>;
}
type Mutable<T> = T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

/** The sample note in @ehr-sync/core's SoapNote shape, with a fresh note, patient and encounter id. */
export function sampleNote(namespace = "ehr_sync_test") {
  const content = copy(SAMPLE_NOTE);
  return {
    noteId: `note-${uuid()}`,
    version: 1,
    patient: { id: `pat-${uuid()}`, namespace },
    ...content,
    encounter: { id: `enc-${uuid()}`, ...content.encounter },
  };
}

/** The sample note as a row of public.soap_notes, signed, for `patientId` (columns may be overridden). */
export function sampleNoteRow(
  patientId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: uuid(),
    patient_id: patientId,
    patient_namespace: "ehr_sync_node_test",
    encounter_id: `enc-${uuid()}`,
    encounter_start: SAMPLE_NOTE.encounter.start,
    encounter_end: SAMPLE_NOTE.encounter.end,
    encounter_kind: SAMPLE_NOTE.encounter.kind,
    provider_id: SAMPLE_NOTE.provider.id,
    provider_name: SAMPLE_NOTE.provider.name,
    facility_id: SAMPLE_NOTE.facility.id,
    facility_name: SAMPLE_NOTE.facility.name,
    subjective: SAMPLE_NOTE.subjective,
    objective: SAMPLE_NOTE.objective,
    assessment: SAMPLE_NOTE.assessment,
    plan: SAMPLE_NOTE.plan,
    diagnoses: JSON.stringify(SAMPLE_NOTE.diagnoses),
    vitals: JSON.stringify(SAMPLE_NOTE.vitals),
    status: "signed",
    signed_at: SAMPLE_NOTE.signedAt,
    ...overrides,
  };
}
