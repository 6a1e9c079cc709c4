/**
 * The app's note rows against the shared SQL: a signed note changes only as a new version (never
 * silently diverging from its composition, never a row left `pending` with nothing queued), the sync
 * status columns belong to ehr-sync, and a worker that does not own the schema still writes back.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase, sampleNoteRow, type TestBed } from "./helpers/bed.js";

let bed: TestBed;
const suffix = randomUUID().slice(0, 8);
const appRole = `ehr_sync_app_${suffix}`;
const workerRole = `ehr_sync_worker_${suffix}`;

beforeAll(async () => {
  bed = await migratedDatabase("ehrsync_guard");
  await bed.pool.query(`create role ${appRole}`);
  await bed.pool.query(`grant select, insert, update, delete on public.soap_notes to ${appRole}`);
  await bed.pool.query(
    `create policy app_all on public.soap_notes for all to ${appRole} using (true) with check (true)`,
  );
  await bed.pool.query(`create role ${workerRole} login password 'worker-secret'`);
  await bed.pool.query("select ehr_sync.grant_worker($1)", [workerRole]);
});
afterAll(async () => {
  await bed?.close();
  const admin = new pg.Client({ connectionString: new URL("/postgres", bed.url).toString() });
  await admin.connect();
  for (const role of [appRole, workerRole]) await admin.query(`drop role if exists ${role}`);
  await admin.end();
});

/** Rows that say `pending` although no job exists for their table, id and version. */
async function pendingWithoutJob(): Promise<number> {
  const r = await bed.pool.query<{ n: number }>(
    `select count(*)::int as n from public.soap_notes n
      where n.ehr_sync_status = 'pending'
        and not exists (select 1 from ehr_sync.queue q
                         where q.source_table = 'public.soap_notes'::regclass
                           and q.note_id = n.id::text and q.note_version = n.version)`,
  );
  return r.rows[0]?.n ?? -1;
}

/** Runs `sql` as the app's role (what Supabase's `authenticated` is to the Data API). */
async function asApp<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) {
  const client = await bed.pool.connect();
  try {
    await client.query("begin");
    await client.query(`set local role ${appRole}`);
    const result = await client.query<T>(sql, values);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

describe("a signed note changes only as a new version", () => {
  it("refuses un-signing or editing at the same version, and queues the re-signed new version", async () => {
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    await expect(
      bed.pool.query("update public.soap_notes set status = 'draft' where id = $1", [id]),
    ).rejects.toMatchObject({ code: "55000", detail: "Changed without raising version: status." });
    await expect(
      bed.pool.query("update public.soap_notes set subjective = 'rewritten' where id = $1", [id]),
    ).rejects.toMatchObject({ code: "55000" });
    await expect(
      bed.pool.query("update public.soap_notes set version = 0 where id = $1", [id]),
    ).rejects.toMatchObject({ code: "23514" });
    // Bookkeeping columns may change.
    await bed.pool.query("update public.soap_notes set updated_at = now() where id = $1", [id]);

    // The amendment: back to draft as version 2, edited, signed again.
    await bed.pool.query("update public.soap_notes set status = 'draft', version = 2 where id = $1", [id]);
    await bed.pool.query("update public.soap_notes set subjective = 'amended history' where id = $1", [id]);
    await bed.pool.query("update public.soap_notes set status = 'signed' where id = $1", [id]);
    const jobs = await bed.pool.query(
      "select note_version, payload ->> 'subjective' as subjective from ehr_sync.queue where note_id = $1 order by note_version",
      [id],
    );
    expect(jobs.rows.map((r) => r.note_version)).toEqual([1, 2]);
    expect(jobs.rows[1].subjective).toBe("amended history");
    expect(await pendingWithoutJob()).toBe(0);
  });

  it("a note deleted and written again at its version keeps its job and status; other content is refused", async () => {
    const row = sampleNoteRow(`pat-${randomUUID()}`);
    await insertNotes(bed.pool, [row]);
    const job = await bed.pool.query("select id, lease_token from ehr_sync.queue where note_id = $1", [
      row.id,
    ]);
    // Delivered (as a worker would complete it).
    await bed.pool.query(
      "update ehr_sync.queue set state = 'leased', lease_token = gen_random_uuid() where id = $1",
      [job.rows[0].id],
    );
    await bed.pool.query(
      `select ehr_sync.complete_batch('w', jsonb_build_array(jsonb_build_object(
         'id', id, 'lease_token', lease_token, 'ehr_id', gen_random_uuid(), 'composition_uid', 'c-1::s::1')))
         from ehr_sync.queue where id = $1`,
      [job.rows[0].id],
    );
    await bed.pool.query("delete from public.soap_notes where id = $1", [row.id]);
    await insertNotes(bed.pool, [row]);
    const status = await bed.pool.query(
      "select ehr_sync_status, ehr_composition_uid from public.soap_notes where id = $1",
      [row.id],
    );
    expect(status.rows[0]).toEqual({ ehr_sync_status: "completed", ehr_composition_uid: "c-1::s::1" });
    expect(
      (await bed.pool.query("select count(*)::int as n from ehr_sync.queue where note_id = $1", [row.id]))
        .rows[0].n,
    ).toBe(1);

    await bed.pool.query("delete from public.soap_notes where id = $1", [row.id]);
    await expect(insertNotes(bed.pool, [{ ...row, plan: "a different plan" }])).rejects.toMatchObject({
      code: "55000",
    });
    expect(await pendingWithoutJob()).toBe(0);
  });
});

describe("the sync status belongs to ehr-sync", () => {
  it("an app role cannot forge any write-back column, by update or insert, even with ehr-sync's flag", async () => {
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const forgeries: Record<string, string> = {
      ehr_sync_status: "'completed'",
      ehr_sync_error: "'fine'",
      retry_count: "0 + 7",
      ehr_composition_uid: "'forged::s::1'",
      ehr_synced_at: "now()",
    };
    // Every column the SQL calls ehr-sync's (the guard keeps its own copy of the list).
    const owned = await bed.pool.query<{ c: string }>("select unnest(ehr_sync.write_back_columns()) as c");
    expect(owned.rows.map((r) => r.c).sort()).toEqual(Object.keys(forgeries).sort());
    for (const [column, value] of Object.entries(forgeries)) {
      await expect(
        asApp(`update public.soap_notes set ${column} = ${value} where id = $1`, [id]),
      ).rejects.toMatchObject({ code: "42501" });
    }
    await expect(
      asApp(
        "select set_config('ehr_sync.writing_back', 'on', true); update public.soap_notes set ehr_sync_status = 'completed' where id = '" +
          id +
          "'",
      ),
    ).rejects.toMatchObject({ code: "42501" });
    const forged = sampleNoteRow(`pat-${randomUUID()}`, { ehr_sync_status: "completed" });
    const columns = Object.keys(forged);
    await expect(
      asApp(
        `insert into public.soap_notes (${columns.join(", ")}) values (${columns.map((_c, i) => `$${i + 1}`).join(", ")})`,
        Object.values(forged),
      ),
    ).rejects.toMatchObject({ code: "42501" });
    const row = await bed.pool.query(
      "select ehr_sync_status, ehr_sync_error, retry_count, ehr_composition_uid, ehr_synced_at from public.soap_notes where id = $1",
      [id],
    );
    expect(row.rows[0]).toEqual({
      ehr_sync_status: "pending",
      ehr_sync_error: null,
      retry_count: 0,
      ehr_composition_uid: null,
      ehr_synced_at: null,
    });
    // The app role itself still signs notes: the trigger queues them on its behalf.
    const signed = sampleNoteRow(`pat-${randomUUID()}`);
    const signedColumns = Object.keys(signed);
    await asApp(
      `insert into public.soap_notes (${signedColumns.join(", ")}) values (${signedColumns.map((_c, i) => `$${i + 1}`).join(", ")})`,
      Object.values(signed),
    );
    expect(
      (await bed.pool.query("select count(*)::int as n from ehr_sync.queue where note_id = $1", [signed.id]))
        .rows[0].n,
    ).toBe(1);
  });

  it("a worker connected as a role that owns nothing still delivers and writes back", async () => {
    await bed.pool.query("truncate ehr_sync.queue");
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const url = new URL(bed.url);
    url.username = workerRole;
    url.password = "worker-secret";
    const worker = createWorker({ databaseUrl: url.toString(), ehrbase: ehrbaseOptions(), concurrency: 1 });
    const summary = await worker.runOnce();
    expect(summary).toMatchObject({ succeeded: 1, errors: 0 });
    const row = await bed.pool.query(
      "select ehr_sync_status, ehr_composition_uid is not null as has_uid from public.soap_notes where id = $1",
      [id],
    );
    expect(row.rows[0]).toEqual({ ehr_sync_status: "completed", has_uid: true });
  });
});
