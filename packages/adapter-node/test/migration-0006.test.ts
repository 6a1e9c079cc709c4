/**
 * Upgrading a database that ran migrations 0001–0005: 0006 rebuilds the queue's identity and patient
 * keys in place, empties the EHR map (a cache keyed by the patient column alone, re-learnt by look-up),
 * moves attached tables to the guard + enqueue trigger pair keeping their uid rule, and is a no-op the
 * second time.
 */
import { randomUUID } from "node:crypto";
import { MIGRATIONS } from "@ehr-sync/core";
import { createTestDatabase } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/migrate.js";
import { insertNotes, sampleNoteRow } from "./helpers/bed.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase("ehrsync_mig6");
  await migrate(
    database.url,
    MIGRATIONS.filter((m) => m.version <= 5),
  );
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe("migration 0006 on a database in use", () => {
  it("rebuilds keys, empties the EHR map, re-attaches the triggers, and changes nothing a second time", async () => {
    const patient = `pat-${randomUUID()}`;
    const [delivered, waiting] = await insertNotes(pool, [
      sampleNoteRow(patient, { patient_namespace: "clinic-a" }),
      sampleNoteRow(patient, { patient_namespace: "clinic-b" }),
    ]);
    // As 0005 left them: keys without table or namespace, an EHR remembered by the patient id alone.
    const legacyEhr = randomUUID();
    await pool.query("select ehr_sync.remember_ehr($1, $2::uuid)", [patient, legacyEhr]);
    await pool.query(
      "update ehr_sync.queue set state = 'succeeded', ehr_id = $2::uuid, completed_at = now() where note_id = $1",
      [delivered, legacyEhr],
    );
    await pool.query("update ehr_sync.queue set ehr_id = $2::uuid where note_id = $1", [waiting, legacyEhr]);
    const before = await pool.query(
      "select note_id, idempotency_key, patient_key from ehr_sync.queue order by id",
    );
    expect(before.rows.map((r) => r.patient_key)).toEqual([patient, patient]);

    const applied = await migrate(database.url);
    expect(applied.applied.map((m) => m.version)).toEqual(
      MIGRATIONS.filter((m) => m.version > 5).map((m) => m.version),
    );

    const after = await pool.query<{
      note_id: string;
      idempotency_key: string;
      patient_key: string;
      ehr_id: string | null;
    }>("select note_id, idempotency_key, patient_key, ehr_id::text from ehr_sync.queue order by id");
    expect(after.rows).toEqual([
      {
        note_id: delivered,
        idempotency_key: `public.soap_notes:${delivered}:1`,
        patient_key: `clinic-a|${patient}`,
        ehr_id: legacyEhr,
      },
      // Unfinished: the EHR id learnt from the ambiguous map is dropped; the engine looks it up.
      {
        note_id: waiting,
        idempotency_key: `public.soap_notes:${waiting}:1`,
        patient_key: `clinic-b|${patient}`,
        ehr_id: null,
      },
    ]);
    expect((await pool.query("select count(*)::int as n from ehr_sync.patient_ehr")).rows[0].n).toBe(0);
    const triggers = await pool.query(
      `select tgname, tgfoid::regproc::text as fn from pg_trigger
        where tgrelid = 'public.soap_notes'::regclass and not tgisinternal order by tgname`,
    );
    expect(triggers.rows).toEqual([
      { tgname: "ehr_sync_enqueue", fn: "ehr_sync.enqueue_written_note" },
      { tgname: "ehr_sync_guard", fn: "ehr_sync.guard_note_row" },
    ]);
    // The table attached before 0006 keeps plain note ids as its uid rule (its compositions exist).
    const sources = await pool.query("select source, uid_scope from ehr_sync.note_sources");
    expect(sources.rows).toEqual([{ source: "public.soap_notes", uid_scope: null }]);
    // A re-save of the same signed version does not queue the note twice under the new key format.
    expect((await pool.query("select ehr_sync.backfill('public.soap_notes') as n")).rows[0].n).toBe(0);

    // Applying 0006 again (e.g. a Supabase project re-running its migrations) changes nothing.
    const snapshot = async () =>
      (
        await pool.query(
          "select id, idempotency_key, patient_key, ehr_id, state from ehr_sync.queue order by id",
        )
      ).rows;
    const first = await snapshot();
    const sql = MIGRATIONS.find((m) => m.version === 6)?.sql as string;
    await pool.query(sql);
    expect(await snapshot()).toEqual(first);
  });
});
