import type { Db } from "./db.js";

/** Queues the signed notes of `table` that were signed before installation (idempotent). */
export async function backfillNotes(db: Db, table: string, patientColumn = "patient_id"): Promise<number> {
  const result = await db.query<{ n: number }>("select ehr_sync.backfill($1::regclass, $2) as n", [
    table,
    patientColumn,
  ]);
  return result.rows[0]?.n ?? 0;
}
