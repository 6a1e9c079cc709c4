/**
 * What the application does (write and sign a SOAP note) and what the tests read back from the
 * queue. Every patient id is a fresh UUID: EHRbase is shared with other test runs.
 */
// The one sample note of the test suites (runtime-neutral TypeScript, so Deno imports it directly).
import { sampleNoteRow } from "../../../../tools/testkit/src/sample-note.ts";
import type { Sql } from "./database.ts";
import { subjectNamespace } from "./queue.ts";

export interface SignedNote {
  noteId: string;
  patientId: string;
}

/** Inserts testkit's sample note as a draft and signs it in a second transaction, the way a provider does. */
export async function writeAndSignNote(sql: Sql): Promise<SignedNote> {
  const patientId = crypto.randomUUID();
  const sample = sampleNoteRow(patientId, {
    patient_namespace: subjectNamespace,
    status: "draft",
    signed_at: null,
  });
  // postgres.js would store the row's JSON text as a JSON string: hand it the values as JSON.
  const draft = {
    ...sample,
    diagnoses: sql.json(JSON.parse(sample.diagnoses as string)),
    vitals: sql.json(JSON.parse(sample.vitals as string)),
  };
  const [row] = await sql<{ id: string }[]>`insert into public.soap_notes ${sql(draft)} returning id`;
  if (!row) throw new Error("insert into soap_notes returned no row");
  await sql`update public.soap_notes set status = 'signed', signed_at = now() where id = ${row.id}`;
  return { noteId: row.id, patientId };
}

export async function setDoorbell(sql: Sql, enabled: boolean): Promise<void> {
  await sql.unsafe(
    `alter table ehr_sync.queue ${enabled ? "enable" : "disable"} trigger ring_ehr_sync_doorbell`,
  );
}
