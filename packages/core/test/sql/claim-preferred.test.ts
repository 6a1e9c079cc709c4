/**
 * SQL 0009 against a real PostgreSQL: ehr_sync.claim_batch(worker, limit, lease, prefer_from_id) claims
 * the jobs a doorbell rang for ahead of an older backlog, without breaking any claim rule (per-patient
 * order, versions in order, suspects alone, the probe after a pause); NULL claims as before; the file
 * can be applied again; and the new form has exactly the grants of the old one.
 */
import { randomUUID } from "node:crypto";
import { createTestDatabase, insertNotes, sampleNoteRow } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/index.js";
import { applyMigrations as migrate, migratedSqlDatabase, type SqlBed } from "./sql-bed.js";

let bed: SqlBed;
const db = () => bed.pool;
const migration0009 = MIGRATIONS.find((m) => m.version === 9);

beforeAll(async () => {
  bed = await migratedSqlDatabase("ehrsync_prefer");
});
afterAll(async () => {
  await bed?.close();
});

async function reset(ordering: "strict" | "supersede" = "supersede") {
  await db().query("truncate ehr_sync.queue, ehr_sync.attempts, public.soap_notes");
  await db().query(
    "update ehr_sync.destination set ordering = $1, paused_until = null, consecutive_pauses = 0",
    [ordering],
  );
}

/** Claims through the SQL; returns the claimed jobs' note ids in the order of their job ids. */
async function claim(limit: number, preferFromId: string | null): Promise<string[]> {
  const result = await db().query<{ note_id: string }>(
    "select note_id from ehr_sync.claim_batch('w1', $1::int, 30, $2::bigint) order by id",
    [limit, preferFromId],
  );
  return result.rows.map((r) => r.note_id);
}

async function jobIdOf(noteId: string): Promise<string> {
  const result = await db().query<{ id: string }>(
    "select id::text from ehr_sync.queue where note_id = $1 order by id desc limit 1",
    [noteId],
  );
  return result.rows[0]?.id as string;
}

/** A backlog of `count` notes of distinct patients, oldest first. */
async function backlog(count: number): Promise<string[]> {
  return insertNotes(
    db(),
    Array.from({ length: count }, () => sampleNoteRow(`pat-${randomUUID()}`)),
  );
}

describe("claim_batch with the doorbell's first job id", () => {
  it("claims the rung-for job ahead of an older backlog, then fills the batch in the usual order", async () => {
    await reset();
    const older = await backlog(20);
    const [rungFor] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    const claimed = await claim(5, await jobIdOf(rungFor as string));
    expect(claimed).toHaveLength(5);
    expect(claimed).toContain(rungFor);
    // The four others are the oldest of the backlog: the fill keeps first-in-first-out.
    expect(claimed.filter((id) => id !== rungFor)).toEqual(older.slice(0, 4));
  });

  it("NULL claims as before: the oldest first, the new note waits its turn", async () => {
    await reset();
    const older = await backlog(20);
    const [newest] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    const claimed = await claim(5, null);
    expect(claimed).toEqual(older.slice(0, 5));
    expect(claimed).not.toContain(newest);
    // The 3-argument form is the same claim.
    const viaOldForm = await db().query<{ note_id: string }>(
      "select note_id from ehr_sync.claim_batch('w1', 5, 30) order by id",
    );
    expect(viaOldForm.rows.map((r) => r.note_id)).toEqual(older.slice(5, 10));
  });

  it("strict: a patient's earlier note is never overtaken by the one the doorbell rang for", async () => {
    await reset("strict");
    const patient = `pat-${randomUUID()}`;
    await backlog(10);
    const [earlier] = await insertNotes(db(), [sampleNoteRow(patient)]);
    await backlog(10);
    const [rungFor] = await insertNotes(db(), [sampleNoteRow(patient)]);
    const preferFrom = await jobIdOf(rungFor as string);
    // The whole queue fits in the batch: the patient's earlier note comes, the later one does not.
    const claimed = await claim(50, preferFrom);
    expect(claimed).toContain(earlier);
    expect(claimed).not.toContain(rungFor);
    await db().query(
      "update ehr_sync.queue set state = 'pending', lease_token = null where state = 'leased'",
    );
    // A batch of one prefers the rung-for note but may not take it while the earlier one is unfinished.
    const one = await claim(1, preferFrom);
    expect(one).not.toEqual([rungFor]);
    expect(one).toHaveLength(1);
    // Once the earlier note is delivered, the preferred claim takes the later one first.
    await db().query(
      "update ehr_sync.queue set state = 'succeeded', completed_at = now(), lease_token = null where note_id = $1",
      [earlier],
    );
    expect(await claim(1, preferFrom)).toEqual([rungFor]);
  });

  it("supersede: a newer version the doorbell rang for waits for the version in flight", async () => {
    await reset("supersede");
    const [noteId] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    expect(await claim(1, null)).toEqual([noteId]);
    await db().query("update public.soap_notes set version = 2 where id = $1", [noteId]);
    const v2 = await jobIdOf(noteId as string);
    expect(await claim(10, v2)).toEqual([]);
  });

  it("keeps the pause switch, the probe after a pause, and suspects claimed alone", async () => {
    await reset();
    await backlog(5);
    const [rungFor] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    const preferFrom = await jobIdOf(rungFor as string);
    await db().query("update ehr_sync.destination set paused_until = now() + interval '1 hour'");
    expect(await claim(10, preferFrom)).toEqual([]);
    await db().query(
      "update ehr_sync.destination set paused_until = now() - interval '1 second', consecutive_pauses = 1",
    );
    expect(await claim(10, preferFrom)).toEqual([rungFor]);
    await reset();
    const [suspect] = await backlog(3);
    await db().query("update ehr_sync.queue set leases_lost = 1 where note_id = $1", [suspect]);
    const [rung] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    // The rung-for note goes first, with the batch filled by the others, never with the suspect…
    const first = await claim(10, await jobIdOf(rung as string));
    expect(first).toContain(rung);
    expect(first).not.toContain(suspect);
    // …which is then claimed alone.
    expect(await claim(10, null)).toEqual([suspect]);
  });

  it("can be applied again without changing what is claimed", async () => {
    await reset();
    const older = await backlog(6);
    const [rungFor] = await insertNotes(db(), [sampleNoteRow(`pat-${randomUUID()}`)]);
    await db().query(migration0009?.sql as string);
    await db().query(migration0009?.sql as string);
    const forms = await db().query<{ args: string }>(
      "select pg_get_function_identity_arguments(oid) as args from pg_proc where proname = 'claim_batch' " +
        "and pronamespace = 'ehr_sync'::regnamespace order by 1",
    );
    expect(forms.rows.map((r) => r.args)).toEqual([
      "p_worker text, p_limit integer, p_lease_seconds integer",
      "p_worker text, p_limit integer, p_lease_seconds integer, p_prefer_from_id bigint",
    ]);
    expect(await claim(3, await jobIdOf(rungFor as string))).toEqual([...older.slice(0, 2), rungFor]);
  });
});

describe("0009's grants", () => {
  const suffix = randomUUID().slice(0, 8);
  const worker = `ehr_sync_prefer_worker_${suffix}`;
  const outsider = `ehr_sync_prefer_outsider_${suffix}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  afterAll(async () => {
    await database?.drop();
    const admin = new pg.Client({ connectionString: new URL("/postgres", bed.url).toString() });
    await admin.connect();
    for (const role of [worker, outsider]) await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it("gives the new form the grants of the old one, so a locked-down schema stays locked", async () => {
    database = await createTestDatabase("ehrsync_prefer_grants");
    await migrate(
      database.url,
      MIGRATIONS.filter((m) => m.version < 9),
    );
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // As the Supabase lock-down leaves it: PUBLIC may not run the queue; one worker role may.
      await client.query("revoke execute on all functions in schema ehr_sync from public");
      await client.query(`create role ${worker} nologin; create role ${outsider} nologin`);
      await client.query("select ehr_sync.grant_worker($1)", [worker]);
      await migrate(
        database.url,
        MIGRATIONS.filter((m) => m.version >= 9),
      );
      const may = await client.query<{ role: string; old: boolean; new: boolean }>(
        `select r as role,
                has_function_privilege(r, 'ehr_sync.claim_batch(text, integer, integer)', 'execute') as old,
                has_function_privilege(r, 'ehr_sync.claim_batch(text, integer, integer, bigint)', 'execute') as new
           from unnest($1::text[]) r order by 1`,
        [[outsider, worker]],
      );
      expect(may.rows).toEqual([
        { role: outsider, old: false, new: false },
        { role: worker, old: true, new: true },
      ]);
    } finally {
      await client.end();
    }
  });
});
