/** A realistic, valid SOAP note to build test cases from (all data invented). */
import { randomUUID } from "node:crypto";
import type { SoapNote } from "../../src/soap/note.js";

export function baseNote(overrides: Partial<SoapNote> = {}): SoapNote {
  return {
    noteId: `note-${randomUUID()}`,
    version: 1,
    patient: { id: `pat-${randomUUID()}`, namespace: "ehr_sync_test" },
    encounter: {
      id: `enc-${randomUUID()}`,
      start: "2026-03-02T09:30:00Z",
      end: "2026-03-02T09:52:00Z",
      kind: "video",
    },
    provider: { id: "prov-0042", name: "Dr. Ana Souza" },
    facility: { id: "fac-7", name: "Riverside Telehealth Clinic" },
    signedAt: "2026-03-02T10:05:00Z",
    subjective: "Three days of sore throat and dry cough. No fever reported. Denies shortness of breath.",
    objective: "Alert, speaking full sentences on video. Mild pharyngeal erythema visible, no exudate.",
    assessment: "Likely viral upper respiratory infection.",
    plan: "Rest, fluids, paracetamol as needed. Return if fever above 39 °C or breathing difficulty.",
    diagnoses: [
      { system: "ICD-10", code: "J06.9", display: "Acute upper respiratory infection, unspecified" },
    ],
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
    ...overrides,
  };
}
