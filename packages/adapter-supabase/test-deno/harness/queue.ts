/** Reads the shared queue table the way an operator would (column names from packages/core/sql). */
import type { Sql } from "./database.ts";

/** The EHR subject namespace the test notes use (soap_notes.patient_namespace). */
export const subjectNamespace = "ehr-sync-test-supabase";

export interface QueueRow {
  status: string;
  attempts: number;
  leased: boolean;
}

export async function queueRowFor(sql: Sql, noteId: string): Promise<QueueRow | undefined> {
  const rows = await sql<QueueRow[]>`
    select state as status, attempts, lease_token is not null as leased
    from ehr_sync.queue where note_id = ${noteId}`;
  return rows[0];
}

/** Items whose lease is still running (should be none once an invocation has answered). */
export async function activeLeases(sql: Sql): Promise<string[]> {
  const rows = await sql<{ note_id: string }[]>`
    select note_id from ehr_sync.queue where state = 'leased' or lease_expires_at > now()`;
  return rows.map((r) => r.note_id);
}
