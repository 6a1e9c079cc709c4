/**
 * Upgrading in place from the hand-made setup (testbed/sql/handmade-setup.sql: soap_notes, the
 * ehrbase_sync_queue table, its trigger; its pg_cron job is proven in the Supabase example, where
 * pg_cron lives), against the real EHRbase: notes signed in every old state, the completed ones
 * already in EHRbase from the old path (EHRbase's own uid, not ehr-sync's). After
 * `ehr-sync upgrade-from-handmade`, every note the old queue had not completed is in EHRbase exactly
 * once, none it had completed is sent again, the old monitoring queries agree with ehr-sync, a second
 * run changes nothing, and a dry run changes nothing and reports the same counts.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSoapMapping, soapNoteFromRow } from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import type { EhrbaseClient, FlatComposition } from "@ehr-sync/ehrbase-client";
import { createTestDatabase, repoRoot } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { createWorker } from "../src/worker.js";
import { compositionsByNoteId, ehrbaseClient, ehrbaseOptions, sampleNoteRow } from "./helpers/bed.js";

const NAMESPACE = "patients";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: pg.Client;
let ehrbase: EhrbaseClient;
const notes: Record<string, string[]> = { pending: [], failed: [], error: [], completed: [], window: [] };
const oldUids = new Map<string, string>();
const ehrIds = new Set<string>();

async function cli(...argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runCli(argv, {
    env: { ...process.env, DATABASE_URL: database.url },
    print: (line) => lines.push(line),
    stopSignal: new Promise(() => {}),
  });
  expect(code, lines.join("\n")).toBe(0);
  return lines;
}

/** Everything the upgrade could change, as data. */
async function snapshot() {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    notes: await q("select to_jsonb(n) - 'updated_at' as row from public.soap_notes n order by id"),
    relations: await q(
      "select c.relname, c.relkind from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname like 'ehrbase_sync_queue%' order by 1",
    ),
    oldQueue: await q("select * from public.ehrbase_sync_queue order by created_at, id"),
    triggers: await q(
      "select tgname from pg_trigger where tgrelid = 'public.soap_notes'::regclass and not tgisinternal order by 1",
    ),
    jobs: await q(
      "select id, note_id, state, attempts, reconcile_first, payload is null as no_payload from ehr_sync.queue order by id",
    ),
  };
}

/** The old path: an EHR for the subject, a composition with EHRbase's own uid. */
async function sendTheOldWay(row: Record<string, unknown>): Promise<string> {
  const { ehrId } = await ehrbase.ehrs.ensure({ id: row.patient_id as string, namespace: NAMESPACE });
  ehrIds.add(ehrId);
  const prepared = createSoapMapping().prepare(soapNoteFromRow({ ...row, patient_namespace: NAMESPACE }), {
    systemId: await ehrbase.systemId(),
  });
  if (!prepared.ok) throw new Error(`the sample note does not map: ${JSON.stringify(prepared.errors)}`);
  const flat = Object.fromEntries(Object.entries(prepared.flat).filter(([k]) => !k.endsWith("/_uid")));
  const written = await ehrbase.compositions.create(ehrId, flat as FlatComposition, {
    format: "FLAT",
    templateId: prepared.templateId,
  });
  return written.versionUid.value.split("::")[0] as string;
}

beforeAll(async () => {
  ehrbase = await ehrbaseClient();
  await ehrbase.templates.ensure(SOAP_TEMPLATE_OPT);
  database = await createTestDatabase("ehrsync_upgrade");
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  db.on("notice", () => {});
  for (const file of ["pgsql-http-standin.sql", "handmade-setup.sql"]) {
    await db.query(readFileSync(join(repoRoot, "testbed", "sql", file), "utf8"));
  }
  // Notes signed through the old trigger, then moved to each old state as the old functions did.
  for (const [state, count] of [
    ["pending", 2],
    ["failed", 1],
    ["error", 1],
    ["completed", 2],
  ] as const) {
    for (let i = 0; i < count; i++) {
      const { patient_namespace: _, ...row } = sampleNoteRow(`pat-${randomUUID()}`);
      const columns = Object.keys(row);
      await db.query(
        `insert into public.soap_notes (${columns.join(", ")}) values (${columns.map((_c, j) => `$${j + 1}`).join(", ")})`,
        Object.values(row),
      );
      const id = row.id as string;
      notes[state]?.push(id);
      if (state === "completed") {
        const stored = await db.query("select to_jsonb(n) as row from public.soap_notes n where id = $1", [
          id,
        ]);
        oldUids.set(id, await sendTheOldWay(stored.rows[0].row));
      }
      if (state !== "pending") {
        await db.query(
          "update public.ehrbase_sync_queue set sync_status = $2, retry_count = $3, error_message = $4 where record_id = $1",
          [
            id,
            state,
            state === "completed" ? 0 : 3,
            state === "completed" ? null : "Edge Function returned 500",
          ],
        );
        await db.query(
          "update public.soap_notes set ehr_sync_status = $2, retry_count = $3, ehr_sync_error = $4 where id = $1",
          [
            id,
            state,
            state === "completed" ? 0 : 3,
            state === "completed" ? null : "Edge Function returned 500",
          ],
        );
      }
    }
  }
  // An item whose note was deleted since: nothing to send.
  await db.query(
    "insert into public.ehrbase_sync_queue (table_name, record_id, sync_status) values ('soap_notes', gen_random_uuid(), 'error')",
  );
  // A draft is in neither queue.
  await db.query("insert into public.soap_notes (patient_id, status) values ('pat-draft', 'draft')");
  // ehr-sync installed next to the old setup (as `ehr-sync migrate` does), before the upgrade; a note
  // signed meanwhile is queued by both triggers.
  await cli("migrate");
  const { patient_namespace: _, ...row } = sampleNoteRow(`pat-${randomUUID()}`);
  const columns = Object.keys(row);
  await db.query(
    `insert into public.soap_notes (${columns.join(", ")}) values (${columns.map((_c, j) => `$${j + 1}`).join(", ")})`,
    Object.values(row),
  );
  notes.window?.push(row.id as string);
});

afterAll(async () => {
  await db?.end().catch(() => {});
  await database?.drop();
});

describe("ehr-sync upgrade-from-handmade", () => {
  let dryRunReport: string[];

  it("dry run: changes nothing and reports what it would do", async () => {
    const before = await snapshot();
    dryRunReport = await cli("upgrade-from-handmade", "--dry-run");
    expect(await snapshot()).toEqual(before);
    expect(dryRunReport[0]).toMatch(/^dry run: nothing was changed/);
    const items = (action: string) =>
      dryRunReport
        .find((line) => line.includes(action))
        ?.trim()
        .split(/\s+/)[0];
    expect(items("import old queue items: sync_status = pending")).toBe("3");
    expect(items("import old queue items: sync_status = failed")).toBe("1");
    expect(items("import old queue items: sync_status = error")).toBe("2");
    expect(items("skip old queue items whose note is gone or not signed")).toBe("1");
    expect(items("leave old queue items alone (delivered): sync_status = completed")).toBe("2");
    expect(items("create ehr-sync jobs (look-up before send): pending")).toBe("4");
    expect(items("record delivered notes as history: succeeded")).toBe("2");
    expect(items("drop old trigger: on_soap_note_signed")).toBe("1");
    expect(items("normalise ehr_sync_status = 'error'")).toBe("1");
    expect(items("keep notes ehr-sync queued already: ehr_sync.queue")).toBe("1");
    expect(items("replace old queue by a deprecated view")).toBe("1");
  });

  it("upgrades in one go, reporting the same counts as the dry run", async () => {
    const report = await cli("upgrade-from-handmade");
    expect(report.slice(1)).toEqual(dryRunReport.slice(1));

    const triggers = await db.query(
      "select tgname from pg_trigger where tgrelid = 'public.soap_notes'::regclass and not tgisinternal order by 1",
    );
    expect(triggers.rows.map((r) => r.tgname)).toEqual(["ehr_sync_enqueue", "ehr_sync_guard"]);
    const jobs = await db.query<{
      note_id: string;
      state: string;
      reconcile_first: boolean;
      attempts: number;
    }>("select note_id, state, reconcile_first, attempts from ehr_sync.queue order by note_id");
    const byNote = new Map(jobs.rows.map((j) => [j.note_id, j]));
    expect(jobs.rows).toHaveLength(7);
    for (const id of [...(notes.pending ?? []), ...(notes.failed ?? []), ...(notes.error ?? [])]) {
      expect(byNote.get(id)).toMatchObject({ state: "pending", reconcile_first: true });
    }
    expect(byNote.get(notes.window?.[0] as string)?.state).toBe("pending");
    expect(byNote.get(notes.failed?.[0] as string)?.attempts).toBe(3);
    for (const id of notes.completed ?? []) expect(byNote.get(id)?.state).toBe("succeeded");
    // 'failed' and 'error' are pending again (they will be sent); completed history is untouched.
    const statuses = await db.query<{ ehr_sync_status: string; n: number }>(
      "select ehr_sync_status, count(*)::int as n from public.soap_notes where status = 'signed' group by 1 order by 1",
    );
    expect(statuses.rows).toEqual([
      { ehr_sync_status: "completed", n: 2 },
      { ehr_sync_status: "pending", n: 5 },
    ]);
    // The old rows are kept for a rollback.
    const archived = await db.query(
      "select count(*)::int as n from public.ehrbase_sync_queue_before_ehr_sync",
    );
    expect(archived.rows[0].n).toBe(8);
    // The old monitoring queries, verbatim, agree with ehr-sync's status.
    const pending = await db.query("SELECT COUNT(*) FROM ehrbase_sync_queue WHERE sync_status = 'pending'");
    const ehrSyncPending = await db.query(
      "select count(*) from ehr_sync.queue where ehr_sync.app_status(state) = 'pending'",
    );
    expect(pending.rows[0].count).toBe("5");
    expect(pending.rows[0].count).toBe(ehrSyncPending.rows[0].count);
  });

  it("a second run changes nothing", async () => {
    const before = await snapshot();
    const report = await cli("upgrade-from-handmade");
    expect(await snapshot()).toEqual(before);
    const counts = report.slice(1).map((line) => line.trim().split(/\s+/)[0]);
    expect(
      counts.every((n) => n === "0"),
      report.join("\n"),
    ).toBe(true);
  });

  it("delivers every note the old queue had not completed exactly once, and none it had completed", async () => {
    const worker = createWorker({ databaseUrl: database.url, ehrbase: ehrbaseOptions(), concurrency: 2 });
    const summary = await worker.runOnce();
    expect(summary.succeeded).toBe(5);
    // Every patient is the old path's EHR subject (namespace 'patients'), the window's note included.
    const subjects = await db.query(
      "select distinct split_part(patient_key, '|', 1) as ns from ehr_sync.queue",
    );
    expect(subjects.rows).toEqual([{ ns: NAMESPACE }]);
    const jobs = await db.query("select ehr_id::text from ehr_sync.queue where ehr_id is not null");
    for (const row of jobs.rows) ehrIds.add(row.ehr_id);
    const allNotes = Object.values(notes).flat();
    const found = await compositionsByNoteId(ehrbase, [...ehrIds], allNotes);
    for (const id of allNotes) expect(found.get(id), `note ${id}`).toHaveLength(1);
    // The completed ones are still the old path's compositions, never sent again.
    for (const id of notes.completed ?? []) expect(found.get(id)).toEqual([oldUids.get(id)]);

    const pending = await db.query("SELECT COUNT(*) FROM ehrbase_sync_queue WHERE sync_status = 'pending'");
    expect(pending.rows[0].count).toBe("0");
    const completed = await db.query("SELECT COUNT(*) FROM soap_notes WHERE ehr_sync_status = 'completed'");
    const succeeded = await db.query("select count(*) from ehr_sync.queue where state = 'succeeded'");
    expect(completed.rows[0].count).toBe("7");
    expect(completed.rows[0].count).toBe(succeeded.rows[0].count);
    const failed = await db.query(
      "SELECT id, ehr_sync_error, retry_count FROM soap_notes WHERE ehr_sync_status = 'failed' OR ehr_sync_status = 'error'",
    );
    expect(failed.rows).toEqual([]);
    const latest = await db.query(
      "SELECT * FROM ehrbase_sync_queue WHERE table_name = 'soap_notes' ORDER BY created_at DESC LIMIT 5",
    );
    expect(latest.rows).toHaveLength(5);
    for (const row of latest.rows) expect(row.sync_status).toBe("completed");
    // Another table's jobs (ids that are no uuid) stay out of the old view and never break it.
    await db.query("create table public.other_notes (id text primary key)");
    await db.query(
      "select ehr_sync.enqueue('not-a-uuid', 1, 'patients|p', '{}'::jsonb, 'public.other_notes'::regclass)",
    );
    const stillPending = await db.query(
      "SELECT COUNT(*) FROM ehrbase_sync_queue WHERE sync_status = 'pending'",
    );
    expect(stillPending.rows[0].count).toBe("0");
  });
});
