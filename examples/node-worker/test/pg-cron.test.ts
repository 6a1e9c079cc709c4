/**
 * sql/pg_cron.sql applied for real, in the database pg_cron lives in (cron.database_name), with `app`
 * replaced by a fresh migrated test database: the three jobs are scheduled (once, however often the
 * file runs) with the right schedule and database, a real pg_cron tick sends the worker's wake-up in the
 * test database (NOTIFY ehr_sync 'cron') and rescues an expired lease there, and the wake-up stays quiet
 * when nothing is due. The jobs are unscheduled afterwards, also when a test fails.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { migrate } from "@ehr-sync/adapter-node";
import { createTestDatabase, databaseUrl, requirePostgres } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SQL_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "sql", "pg_cron.sql");
const PREFIX = "ehrsync_nodecron";
/** The wake-up job (its pg_cron name predates the vocabulary and is kept for installed databases). */
const WAKE_UP = "ehr-sync-doorbell";
const RESCUE = "ehr-sync-rescue-leases";
const PRUNE = "ehr-sync-prune-cron-history";
const RETENTION = "ehr-sync-prune";
const JOBS = [WAKE_UP, RESCUE, PRUNE, RETENTION];
/** A tick comes at second 0 of every minute; allow for the scheduler's own latency on top. */
const TICK_WAIT_MS = 75_000;

interface CronJob {
  jobid: string;
  jobname: string;
  schedule: string;
  command: string;
  database: string;
  username: string;
  active: boolean;
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
/** A superuser session in the database pg_cron lives in. */
let cron: pg.Client;
let cronDatabase: string;
/** A session in the test database, LISTENing on ehr_sync. */
let app: pg.Client;
const notifications: string[] = [];

async function ehrSyncJobs(): Promise<CronJob[]> {
  const r = await cron.query<CronJob>(
    `select jobid::text, jobname, schedule, command, database, username, active
       from cron.job where jobname = any($1::text[]) order by jobname`,
    [JOBS],
  );
  return r.rows;
}

/**
 * The jobs have global names: refuse to touch ones this test did not create (someone's real safety
 * net), but clear leftovers of an earlier run of this test that was killed before its clean-up
 * (their target database carries this test's prefix).
 */
async function clearLeftovers(): Promise<void> {
  const existing = await ehrSyncJobs();
  const oursLeftOver = existing.some((j) => j.jobname !== PRUNE && j.database.startsWith(`${PREFIX}_`));
  const foreign = existing.filter((j) =>
    j.jobname === PRUNE ? !oursLeftOver : !j.database.startsWith(`${PREFIX}_`),
  );
  if (foreign.length > 0) {
    throw new Error(
      `cron.job already holds ${foreign.map((j) => `${j.jobname} (database ${j.database})`).join(", ")}; ` +
        "this test schedules and removes jobs of those names, so run it on a test bed without them",
    );
  }
  for (const job of existing) await cron.query("select cron.unschedule($1::bigint)", [job.jobid]);
}

async function unscheduleOurs(): Promise<void> {
  const jobs = await ehrSyncJobs();
  const ids = jobs.map((j) => j.jobid);
  for (const id of ids) await cron.query("select cron.unschedule($1::bigint)", [id]);
  if (ids.length > 0)
    await cron.query("delete from cron.job_run_details where jobid = any($1::bigint[])", [ids]);
}

async function applySqlFile(): Promise<void> {
  const sql = readFileSync(SQL_FILE, "utf8");
  // The file's target database is the literal 'app' (the last argument of schedule_in_database).
  const targets = sql.match(/'app'\)/g) ?? [];
  expect(targets.length, "sql/pg_cron.sql names 'app' as the target of its three in-database jobs").toBe(3);
  await cron.query(sql.replaceAll("'app')", `'${database.name}')`));
}

/** Signs one note (invented content) in the test database; returns its queue job id. */
async function signNote(): Promise<string> {
  const note = await app.query<{ id: string }>(
    `insert into public.soap_notes (patient_id, patient_namespace, encounter_id, encounter_start, encounter_end,
            provider_id, provider_name, subjective, objective, assessment, plan, status, signed_at)
     values ($1, 'ehr_sync_example_test', $2, now() - interval '30 minutes', now() - interval '10 minutes',
             'prov-1', 'Dr. Example', 'Sore throat for three days.', 'Mild pharyngeal erythema.',
             'Viral upper respiratory infection.', 'Rest and fluids.', 'signed', now())
     returning id::text`,
    [`pat-${randomUUID()}`, `enc-${randomUUID()}`],
  );
  const job = await app.query<{ id: string }>("select id::text from ehr_sync.queue where note_id = $1", [
    note.rows[0]?.id,
  ]);
  expect(job.rowCount).toBe(1);
  return job.rows[0]?.id as string;
}

/** Pauses or resumes the two jobs that run in the test database (pg_cron's own switch). */
async function setActive(active: boolean): Promise<void> {
  for (const name of [WAKE_UP, RESCUE]) {
    await cron.query("select cron.alter_job(job_id := $1::bigint, active := $2)", [
      (await job(name)).jobid,
      active,
    ]);
  }
}

/** Resolves at least `marginS` seconds away from the next tick (second 0 of a minute). */
async function clearOfTick(marginS: number): Promise<void> {
  const s = new Date().getSeconds() + new Date().getMilliseconds() / 1000;
  if (s > 60 - marginS) await sleep((61 - s) * 1000);
}

/** Makes job `id` look held by a worker that died: leased, lease expired a minute ago. */
async function expireLease(id: string): Promise<void> {
  await app.query(
    `update ehr_sync.queue set state = 'leased', lease_token = gen_random_uuid(), leased_by = 'a-dead-worker',
            lease_expires_at = now() - interval '1 minute' where id = $1`,
    [id],
  );
}

async function job(name: string): Promise<CronJob> {
  const found = (await ehrSyncJobs()).find((j) => j.jobname === name);
  if (!found) throw new Error(`${name} is not scheduled`);
  return found;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

beforeAll(async () => {
  await requirePostgres();
  const probe = new pg.Client({ connectionString: databaseUrl() });
  await probe.connect();
  try {
    cronDatabase = (await probe.query<{ db: string }>("select current_setting('cron.database_name') as db"))
      .rows[0]?.db as string;
  } finally {
    await probe.end();
  }
  cron = new pg.Client({ connectionString: databaseUrl(cronDatabase) });
  cron.on("notice", () => {});
  await cron.connect();
  await clearLeftovers();

  database = await createTestDatabase(PREFIX);
  await migrate(database.url);
  app = new pg.Client({ connectionString: database.url });
  await app.connect();
  app.on("notification", (message) => {
    if (message.channel === "ehr_sync") notifications.push(message.payload ?? "");
  });
  await app.query("LISTEN ehr_sync");
});

afterAll(async () => {
  try {
    if (cron) await unscheduleOurs();
  } finally {
    await app?.end();
    await cron?.end();
    await database?.drop();
  }
});

describe("examples/node-worker/sql/pg_cron.sql", () => {
  it("schedules the wake-up, the lease rescue, retention and the history prune once, however often it runs", async () => {
    await applySqlFile();
    await applySqlFile();
    const jobs = await ehrSyncJobs();
    expect(
      jobs.map(({ jobname, schedule, database: db, active }) => ({ jobname, schedule, db, active })),
    ).toEqual([
      { jobname: WAKE_UP, schedule: "* * * * *", db: database.name, active: true },
      { jobname: RETENTION, schedule: "37 3 * * *", db: database.name, active: true },
      { jobname: PRUNE, schedule: "17 3 * * *", db: cronDatabase, active: true },
      { jobname: RESCUE, schedule: "* * * * *", db: database.name, active: true },
    ]);
    // The retention command runs as written against the app's database.
    const retention = (await job(RETENTION)).command;
    expect(retention).toBe("SELECT ehr_sync.prune(interval '7 days', interval '30 days')");
    await app.query(retention);
    expect((await job(RESCUE)).command).toBe("SELECT ehr_sync.rescue_expired_leases()");
    expect((await job(PRUNE)).command).toContain("DELETE FROM cron.job_run_details");
  });

  it("the wake-up's command notifies only while a job is due", async () => {
    const command = (await job(WAKE_UP)).command;
    // The real jobs would interfere (a tick could notify too); the tick test below turns them back on.
    await setActive(false);
    await clearOfTick(5);
    const rings = async () => {
      notifications.length = 0;
      await app.query(command);
      await sleep(300);
      await app.query("select 1"); // notifications of the statement above have arrived by now
      return notifications.filter((p) => p === "cron");
    };
    expect(await rings()).toEqual([]); // empty queue
    const id = await signNote();
    await app.query(
      "update ehr_sync.queue set state = 'retry_scheduled', next_attempt_at = now() + interval '1 hour' where id = $1",
      [id],
    );
    expect(await rings()).toEqual([]); // a retry that is not due yet
    await app.query("update ehr_sync.queue set next_attempt_at = now() - interval '1 second' where id = $1", [
      id,
    ]);
    expect(await rings()).toEqual(["cron"]); // a retry that fell due
    await app.query("update ehr_sync.queue set state = 'succeeded', completed_at = now() where id = $1", [
      id,
    ]);
    expect(await rings()).toEqual([]); // delivered
  });

  it("the rescue job's command hands back an expired lease, counting one attempt, and leaves live leases alone", async () => {
    const command = (await job(RESCUE)).command;
    await setActive(false);
    await clearOfTick(5);
    const expired = await signNote();
    const live = await signNote();
    await expireLease(expired);
    await app.query(
      `update ehr_sync.queue set state = 'leased', lease_token = gen_random_uuid(), leased_by = 'a-live-worker',
              lease_expires_at = now() + interval '1 minute' where id = $1`,
      [live],
    );
    const r = await app.query({ text: command, rowMode: "array" });
    expect(r.rows).toEqual([[1]]);
    const rows = await app.query(
      `select id::text, state, attempts, reconcile_first, lease_token is null as unleased, last_error_class
         from ehr_sync.queue where id = any($1::bigint[]) order by id`,
      [[expired, live]],
    );
    expect(rows.rows).toEqual([
      {
        id: expired,
        state: "pending",
        attempts: 1,
        reconcile_first: true,
        unleased: true,
        last_error_class: "lease-expired",
      },
      {
        id: live,
        state: "leased",
        attempts: 0,
        reconcile_first: false,
        unleased: false,
        last_error_class: null,
      },
    ]);
    await app.query(
      "update ehr_sync.queue set state = 'succeeded', completed_at = now() where id = any($1::bigint[])",
      [[expired, live]],
    );
  });

  it("a real pg_cron tick sends the wake-up and rescues an expired lease in the target database", async () => {
    await setActive(true);
    expect((await ehrSyncJobs()).every((j) => j.active)).toBe(true);
    // Set up well clear of a tick, so the first tick after the set-up is the one that counts.
    await clearOfTick(5);
    const due = await signNote();
    const stale = await signNote();
    await expireLease(stale);
    const since = (await app.query<{ now: Date }>("select now()")).rows[0]?.now as Date;
    notifications.length = 0;
    const wakeUp = await job(WAKE_UP);
    const rescue = await job(RESCUE);

    const runOf = (jobid: string) =>
      waitFor(
        `a finished run of job ${jobid} after ${since.toISOString()}`,
        async () => {
          const r = await cron.query<{ status: string; database: string; return_message: string }>(
            `select status, database, return_message from cron.job_run_details
              where jobid = $1 and start_time >= $2 and status in ('succeeded', 'failed')
              order by runid limit 1`,
            [jobid, since],
          );
          return r.rows[0];
        },
        TICK_WAIT_MS,
      );
    const [wakeUpRun, rescueRun] = await Promise.all([runOf(wakeUp.jobid), runOf(rescue.jobid)]);
    expect(wakeUpRun).toMatchObject({ status: "succeeded", database: database.name });
    expect(rescueRun).toMatchObject({ status: "succeeded", database: database.name });
    await waitFor(
      "NOTIFY ehr_sync 'cron'",
      async () => (notifications.includes("cron") ? true : undefined),
      5_000,
    );

    const rows = await app.query(
      "select id::text, state, attempts, reconcile_first from ehr_sync.queue where id = any($1::bigint[]) order by id",
      [[due, stale]],
    );
    expect(rows.rows).toEqual([
      { id: due, state: "pending", attempts: 0, reconcile_first: false },
      { id: stale, state: "pending", attempts: 1, reconcile_first: true },
    ]);
  });
});
