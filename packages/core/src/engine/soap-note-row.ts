/**
 * The reference `soap_notes` row (packages/core/sql/0003_note_trigger.sql) as SoapNote input. Apps with
 * other columns pass their own `toInput` to the engine. Missing values stay missing, so the note
 * validator reports them by SoapNote field name.
 */
type Row = Record<string, unknown>;

function text(row: Row, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : String(value);
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function soapNoteFromRow(payload: unknown): unknown {
  if (payload === null || typeof payload !== "object") return payload;
  const row = payload as Row;
  const facilityName = text(row, "facility_name");
  return defined({
    noteId: text(row, "id"),
    version: typeof row.version === "number" ? row.version : 1,
    patient: defined({ id: text(row, "patient_id"), namespace: text(row, "patient_namespace") }),
    encounter: defined({
      id: text(row, "encounter_id"),
      start: text(row, "encounter_start"),
      end: text(row, "encounter_end"),
      kind: text(row, "encounter_kind"),
    }),
    provider: defined({ id: text(row, "provider_id"), name: text(row, "provider_name") }),
    facility: facilityName ? defined({ id: text(row, "facility_id"), name: facilityName }) : undefined,
    signedAt: text(row, "signed_at"),
    subjective: text(row, "subjective") ?? "",
    objective: text(row, "objective") ?? "",
    assessment: text(row, "assessment") ?? "",
    plan: text(row, "plan") ?? "",
    diagnoses: row.diagnoses ?? undefined,
    vitals: row.vitals ?? undefined,
    language: text(row, "language"),
    territory: text(row, "territory"),
  });
}
