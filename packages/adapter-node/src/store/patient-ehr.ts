import type { Db } from "./db.js";

/** The EHR id remembered for a patient key, or null. */
export async function ehrIdFor(db: Db, patientKey: string): Promise<string | null> {
  const result = await db.query<{ ehr_id: string }>(
    "select ehr_id::text as ehr_id from ehr_sync.patient_ehr where patient_key = $1",
    [patientKey],
  );
  return result.rows[0]?.ehr_id ?? null;
}

export async function rememberEhr(db: Db, patientKey: string, ehrId: string): Promise<void> {
  await db.query("select ehr_sync.remember_ehr($1, $2::uuid)", [patientKey, ehrId]);
}
