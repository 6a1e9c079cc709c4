/**
 * What the application does (write and sign a SOAP note) and what the tests read back from the
 * queue. Every patient id is a fresh UUID: EHRbase is shared with other test runs.
 */
import type { Sql } from "./database.ts";
import { subjectNamespace } from "./queue.ts";

export interface SignedNote {
  noteId: string;
  patientId: string;
}

/** Inserts a draft and signs it in a second transaction, the way a provider does. */
export async function writeAndSignNote(sql: Sql): Promise<SignedNote> {
  const patientId = crypto.randomUUID();
  const [row] = await sql<{ id: string }[]>`
    insert into public.soap_notes (patient_id, patient_namespace, encounter_id, encounter_start, encounter_kind,
                                   provider_id, provider_name, subjective, objective, assessment, plan)
    values (${patientId}, ${subjectNamespace}, ${crypto.randomUUID()}, now() - interval '20 minutes', 'video',
            ${crypto.randomUUID()}, 'Dr Test Provider', 'Cough for three days', 'Temp 37.9 C', 'Viral URTI',
            'Rest, fluids, review in one week')
    returning id`;
  if (!row) throw new Error("insert into soap_notes returned no row");
  await sql`update public.soap_notes set status = 'signed', signed_at = now() where id = ${row.id}`;
  return { noteId: row.id, patientId };
}

export async function setDoorbell(sql: Sql, enabled: boolean): Promise<void> {
  await sql.unsafe(
    `alter table ehr_sync.queue ${enabled ? "enable" : "disable"} trigger ring_ehr_sync_doorbell`,
  );
}
