/**
 * The upgrade migration on a project in the old hand-made shape (testbed/sql/handmade-setup.sql), with
 * its pg_cron job. pg_cron lives only in the database named by cron.database_name (`postgres`, as on
 * Supabase), so this runs there inside a transaction that is rolled back: the shared `postgres`
 * database is left exactly as it was. (Delivery to EHRbase after the upgrade is proven by
 * packages/adapter-node/test/upgrade-from-handmade.test.ts on the same SQL.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { databaseUrl, repoRoot, requirePostgres } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedSqlDir } from "../scripts/shared-migrations.mjs";
import { migrationFiles, migrationsDir, standinFiles } from "./supabase-database.js";

const JOB = "process-ehr-sync-queue-every-5-minutes";
const UPGRADE = join(migrationsDir, "20260102001000_ehr_sync_supabase_upgrade_from_handmade.sql");
const sharedSqlFiles = () =>
  readdirSync(sharedSqlDir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => join(sharedSqlDir, name));
const testbedSql = (name: string) => readFileSync(join(repoRoot, "testbed", "sql", name), "utf8");

let client: pg.Client;

beforeAll(async () => {
  await requirePostgres();
  client = new pg.Client({ connectionString: databaseUrl("postgres") });
  await client.connect();
  client.on("notice", () => {});
});

afterAll(async () => {
  await client?.end();
});

async function state() {
  const q = async (sql: string) => (await client.query(sql)).rows;
  return {
    jobs: await q(`select jobname, schedule, command from cron.job where jobname = '${JOB}'`),
    triggers: await q(
      "select tgname from pg_trigger where tgrelid = 'public.soap_notes'::regclass and not tgisinternal order by 1",
    ),
    relations: await q(
      "select relname, relkind from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'v') and relname like 'ehrbase_sync_queue%' order by 1",
    ),
    queue: await q("select note_id, state, reconcile_first from ehr_sync.queue order by note_id"),
    notes: await q("select id, ehr_sync_status from public.soap_notes order by id"),
  };
}

describe("the upgrade migration, where pg_cron lives", () => {
  it("replaces the old job, trigger and queue; a dry run reports the same; a second run changes nothing", async () => {
    await client.query("begin");
    try {
      await client.query("set local lock_timeout = '10s'");
      // The old shape, exactly: its job calls pgsql-http's http_post.
      await client.query(standinFiles[0] ? readFileSync(standinFiles[0], "utf8") : "");
      await client.query(testbedSql("pgsql-http-standin.sql"));
      await client.query(testbedSql("handmade-setup.sql"));
      await client.query(
        `insert into public.soap_notes (patient_id, provider_id, status, subjective)
         select 'pat-' || i, 'prov-1', 'signed', 'note ' || i from generate_series(1, 4) as i`,
      );
      await client.query(
        `update public.ehrbase_sync_queue q set sync_status = s.state
           from (select id, (array['pending', 'failed', 'error', 'completed'])[row_number() over (order by id)] as state
                   from public.soap_notes) s
          where q.record_id = s.id`,
      );
      const old = await client.query("select command from cron.job where jobname = $1", [JOB]);
      expect(old.rows[0]?.command).toContain("http_post(");

      // Then this example's migrations in order, as `supabase db push --include-all` applies them; the
      // upgrade last. (The safety-net migration already updates the job of the same name in place.)
      const files = migrationFiles().filter((f) => f !== UPGRADE);
      expect(files).toHaveLength(migrationFiles().length - 1);
      for (const file of files) await client.query(readFileSync(file, "utf8"));

      const before = await state();
      const dryRun = await client.query(
        "select * from ehr_sync.upgrade_from_handmade(p_dry_run => true, p_job_command => 'select ehr_sync_supabase.run_safety_net()')",
      );
      expect(await state()).toEqual(before);
      const upgrade = await client.query(readFileSync(UPGRADE, "utf8"));
      expect(upgrade.rows).toEqual(dryRun.rows);
      const items = (action: string, target: string) =>
        upgrade.rows.find((r) => r.action === action && r.target === target)?.items;
      expect(items("import old queue items", "sync_status = error")).toBe(1);
      expect(items("create ehr-sync jobs (look-up before send)", "pending")).toBe(3);
      expect(items("record delivered notes as history", "succeeded")).toBe(1);
      expect(items("drop old trigger", "on_soap_note_signed")).toBe(1);
      // The old queue said completed, the note was never marked: marked now, never sent again.
      expect(items("mark notes the old queue completed", "completed")).toBe(1);

      const after = await state();
      expect(after.jobs).toEqual([
        { jobname: JOB, schedule: "*/5 * * * *", command: "select ehr_sync_supabase.run_safety_net()" },
      ]);
      const httpJobs = await client.query("select jobname from cron.job where command ilike '%http_post(%'");
      expect(httpJobs.rows).toEqual([]);
      expect(after.triggers.map((t) => t.tgname)).toEqual(["ehr_sync_enqueue", "ehr_sync_guard"]);
      expect(after.relations).toEqual([
        { relname: "ehrbase_sync_queue", relkind: "v" },
        { relname: "ehrbase_sync_queue_before_ehr_sync", relkind: "r" },
      ]);
      expect(after.queue.map((j) => j.state).sort()).toEqual(["pending", "pending", "pending", "succeeded"]);
      expect(after.notes.map((n) => n.ehr_sync_status).sort()).toEqual([
        "completed",
        "pending",
        "pending",
        "pending",
      ]);
      // The API roles cannot read the view or the kept old rows (note ids, errors).
      const api = await client.query(
        `select r, t, has_table_privilege(r, t, 'SELECT') as can
           from unnest(array['anon', 'authenticated']) r,
                unnest(array['public.ehrbase_sync_queue', 'public.ehrbase_sync_queue_before_ehr_sync']) t`,
      );
      expect(api.rows.filter((row) => row.can)).toEqual([]);
      // The old monitoring queries, verbatim.
      const pending = await client.query(
        "SELECT COUNT(*) FROM ehrbase_sync_queue WHERE sync_status = 'pending'",
      );
      expect(pending.rows[0].count).toBe("3");
      const failed = await client.query(
        "SELECT id, ehr_sync_error, retry_count FROM soap_notes WHERE ehr_sync_status = 'failed' OR ehr_sync_status = 'error'",
      );
      expect(failed.rows).toEqual([]);

      const again = await client.query(readFileSync(UPGRADE, "utf8"));
      expect(again.rows.filter((r) => r.items !== 0)).toEqual([]);
      expect(await state()).toEqual(after);
    } finally {
      await client.query("rollback");
    }
    const left = await client.query("select to_regclass('public.soap_notes') as t");
    expect(left.rows[0].t).toBeNull();
  });

  it("unschedules the old job by name and schedules the given command in its place (the Node CLI's path)", async () => {
    const doorbell = "select pg_notify('ehr_sync', 'cron')";
    const upgrade = async (dryRun: boolean) =>
      (
        await client.query<{ action: string; target: string; items: number }>(
          "select * from ehr_sync.upgrade_from_handmade(p_dry_run => $1, p_job_command => $2) where action like '%pg_cron%'",
          [dryRun, doorbell],
        )
      ).rows;
    await client.query("begin");
    try {
      await client.query("set local lock_timeout = '10s'");
      await client.query(testbedSql("pgsql-http-standin.sql"));
      await client.query(testbedSql("handmade-setup.sql"));
      // ehr-sync's shared SQL only, as `ehr-sync migrate` applies it: nothing touches the job before the upgrade.
      for (const file of sharedSqlFiles()) await client.query(readFileSync(file, "utf8"));
      const jobs = async () =>
        (await client.query("select schedule, command from cron.job where jobname = $1", [JOB])).rows;
      // Attached with a constant namespace of its own: the upgrade keeps it.
      await client.query(
        "select ehr_sync.attach_note_trigger('public.soap_notes', 'patient_id', null, 'clinic-a')",
      );
      const old = await jobs();
      expect(old).toHaveLength(1);
      expect(await upgrade(true)).toEqual([
        { action: "unschedule pg_cron job", target: JOB, items: 1 },
        { action: "schedule pg_cron job", target: doorbell, items: 1 },
      ]);
      expect(await jobs()).toEqual(old);
      // Without a new command the old job is only unscheduled.
      await client.query("savepoint no_command");
      const unscheduled = await client.query(
        "select items from ehr_sync.upgrade_from_handmade(p_dry_run => false) where action = 'unschedule pg_cron job'",
      );
      expect(unscheduled.rows).toEqual([{ items: 1 }]);
      expect(await jobs()).toEqual([]);
      await client.query("rollback to savepoint no_command");
      expect(await upgrade(false)).toEqual([
        { action: "unschedule pg_cron job", target: JOB, items: 1 },
        { action: "schedule pg_cron job", target: doorbell, items: 1 },
      ]);
      expect(await jobs()).toEqual([{ schedule: "*/5 * * * *", command: doorbell }]);
      const config = await client.query(
        "select namespace_column, namespace from ehr_sync.note_trigger_config('public.soap_notes')",
      );
      expect(config.rows).toEqual([{ namespace_column: null, namespace: "clinic-a" }]);
      expect(await upgrade(false)).toEqual([
        { action: "unschedule pg_cron job", target: JOB, items: 0 },
        { action: "schedule pg_cron job", target: doorbell, items: 0 },
      ]);
    } finally {
      await client.query("rollback");
    }
  });
});
