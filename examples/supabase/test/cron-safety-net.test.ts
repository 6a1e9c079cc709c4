/**
 * pg_cron lives only in the database named by cron.database_name (`postgres`, as on Supabase), so
 * the safety-net migration is proven there, inside a transaction that is rolled back: the shared
 * `postgres` database is left exactly as it was.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { databaseUrl, requirePostgres } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir, standinFiles } from "./supabase-database.js";

const cronMigrations = [
  "20260102000000_ehr_sync_supabase_platform.sql",
  "20260102000250_ehr_sync_supabase_runs.sql",
  "20260102000300_ehr_sync_supabase_doorbell.sql",
  "20260102000400_ehr_sync_supabase_cron.sql",
  "20260102000450_ehr_sync_supabase_runs_view.sql",
  "20260102000460_ehr_sync_supabase_retention.sql",
].map((name) => join(migrationsDir, name));

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

describe("the pg_cron safety net", () => {
  it("schedules process-ehr-sync-queue-every-5-minutes once, however often the migration runs", async () => {
    await client.query("begin");
    try {
      await client.query("set local lock_timeout = '5s'");
      for (const file of [...standinFiles.slice(0, 1), ...cronMigrations, ...cronMigrations]) {
        await client.query(readFileSync(file, "utf8"));
      }
      const { rows } = await client.query<{
        schedule: string;
        command: string;
        database: string;
        active: boolean;
      }>(
        `select schedule, command, database, active from cron.job
          where jobname = 'process-ehr-sync-queue-every-5-minutes'`,
      );
      expect(rows).toEqual([
        {
          schedule: "*/5 * * * *",
          command: "select ehr_sync_supabase.run_safety_net()",
          database: "postgres",
          active: true,
        },
      ]);
      const prune = await client.query(
        "select 1 from cron.job where jobname = 'ehr-sync-prune-cron-history'",
      );
      expect(prune.rowCount).toBe(1);
      const retention = await client.query<{ command: string }>(
        "select command from cron.job where jobname = 'ehr-sync-prune'",
      );
      expect(retention.rows).toEqual([
        { command: "select ehr_sync.prune(interval '7 days', interval '30 days')" },
      ]);
      const pruneCommand = await client.query(
        "select command from cron.job where jobname = 'ehr-sync-prune-cron-history'",
      );
      expect(pruneCommand.rows).toEqual([{ command: "select ehr_sync_supabase.prune_history()" }]);
      // where pg_cron lives, runs also shows the pg_cron run behind each safety-net call
      const runs = await client.query("select trigger, outcome, cron_status from ehr_sync_supabase.runs");
      expect(runs.fields.map((f) => f.name)).toEqual(["trigger", "outcome", "cron_status"]);
      // the run-history view is queryable (empty here: the job never ran inside this transaction)
      const history = await client.query("select jobname, status from ehr_sync_supabase.cron_runs");
      expect(history.fields.map((f) => f.name)).toEqual(["jobname", "status"]);
    } finally {
      await client.query("rollback");
    }
    const after = await client.query("select 1 from cron.job where jobname like '%ehr-sync%'");
    expect(after.rowCount).toBe(0);
  });
});
