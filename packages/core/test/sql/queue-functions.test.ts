/**
 * The queue's SQL against a real PostgreSQL: the note trigger, NOTIFY, claiming with SKIP
 * LOCKED, lease fencing, ordering, rescue, release, dead-letter requeue and status write-back.
 */
import { randomUUID } from "node:crypto";
import { insertNotes, sampleNoteRow } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CompletedDelivery,
  completeJobs as completeBatch,
  type QueueJob,
  queueAdmin,
  sqlQueueStore,
} from "../../src/index.js";
import { migratedSqlDatabase, poolQuery as pgQuery, type SqlBed } from "./sql-bed.js";

type Db = pg.Pool | pg.PoolClient;
// The queue's calls as the adapters make them: core's sqlQueueStore over `pg`.
const store = (database: Db, workerId = "test-worker") => sqlQueueStore(pgQuery(database), { workerId });
const claimBatch = (database: Db, workerId: string, limit: number, leaseSeconds: number) =>
  store(database, workerId).claim(limit, leaseSeconds);
const heartbeatJob = (database: Db, job: QueueJob, leaseSeconds: number) =>
  store(database).heartbeat(job, leaseSeconds);
const releaseJob = (database: Db, job: QueueJob) => store(database).release(job);
// A failed attempt as the engine hands it over with each failure transition.
const failedAttempt = {
  action: "create" as const,
  httpStatus: 503,
  durationMs: 7,
  outcome: "transient" as const,
  errorClass: "http-503",
};
type Store = ReturnType<typeof store>;
const buryJob = (database: Db, job: QueueJob, failure: Omit<Parameters<Store["bury"]>[1], "attempt">) =>
  store(database).bury(job, { ...failure, attempt: failedAttempt });
const rescheduleJob = (
  database: Db,
  job: QueueJob,
  retry: Omit<Parameters<Store["reschedule"]>[1], "attempt">,
) => store(database).reschedule(job, { ...retry, attempt: failedAttempt });
const pauseDestination = (
  database: Db,
  job: QueueJob,
  pause: Omit<Parameters<Store["pauseDestination"]>[1], "attempt">,
) => store(database).pauseDestination(job, { ...pause, attempt: failedAttempt });
const completeJobs = (
  database: Db,
  workerId: string,
  deliveries: readonly { job: QueueJob; delivery: CompletedDelivery }[],
) => completeBatch(pgQuery(database), workerId, deliveries);
const backfillNotes = (database: Db, table: string) => queueAdmin(pgQuery(database)).backfill(table);
const requeueDead = (database: Db, ids?: string[]) => queueAdmin(pgQuery(database)).requeueDead(ids);

let bed: SqlBed;
const db = () => bed.pool;

beforeAll(async () => {
  bed = await migratedSqlDatabase("ehrsync_sql");
});
afterAll(async () => {
  await bed?.close();
});

async function reset(ordering: "strict" | "supersede" | "independent" = "supersede") {
  await db().query("truncate ehr_sync.queue, ehr_sync.attempts, public.soap_notes");
  await db().query(
    "update ehr_sync.destination set ordering = $1, paused_until = null, consecutive_pauses = 0",
    [ordering],
  );
}

/** One completion through ehr_sync.complete_batch, as the worker sends it. */
async function completeJob(
  database: pg.Pool,
  job: QueueJob,
  result: { ehrId: string; compositionUid: string },
) {
  const attempt = { action: "create" as const, httpStatus: 204, durationMs: 12, outcome: "success" as const };
  const done = await completeJobs(database, "test-worker", [{ job, delivery: { ...result, attempt } }]);
  return done.has(job.id);
}

async function jobRow(id: string) {
  const r = await db().query("select * from ehr_sync.queue where id = $1", [id]);
  return r.rows[0];
}

describe("note trigger", () => {
  it("queues a note when it is signed, not while it is a draft, and notifies in the same transaction", async () => {
    await reset();
    const listener = new pg.Client({ connectionString: bed.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => heard.push(n.channel));
    await listener.query("listen ehr_sync");
    try {
      const [id] = await insertNotes(db(), [sampleNoteRow("pat-a", { status: "draft" })]);
      expect((await db().query("select count(*)::int as n from ehr_sync.queue")).rows[0].n).toBe(0);

      const client = await db().connect();
      await client.query("begin");
      await client.query("update public.soap_notes set status = 'signed' where id = $1", [id]);
      await client.query("rollback");
      client.release();
      // a round trip on the listening connection: PostgreSQL hands a listener every notification
      // committed before its query ends, so one from the rolled-back sign would be here by now
      await listener.query("select 1");
      expect(heard).toEqual([]);
      expect((await db().query("select count(*)::int as n from ehr_sync.queue")).rows[0].n).toBe(0);

      await db().query("update public.soap_notes set status = 'signed' where id = $1", [id]);
      const queued = await db().query("select note_id, note_version, patient_key, state from ehr_sync.queue");
      expect(queued.rows).toEqual([
        { note_id: id, note_version: 1, patient_key: "ehr_sync_node_test|pat-a", state: "pending" },
      ]);
      const note = await db().query("select ehr_sync_status from public.soap_notes where id = $1", [id]);
      expect(note.rows[0].ehr_sync_status).toBe("pending");
      await listener.query("select 1");
      expect(heard).toContain("ehr_sync");
    } finally {
      await listener.end();
    }
  });

  it("queues an amendment (new version) again, and refuses an edit of a signed note at the same version", async () => {
    await reset();
    const [id] = await insertNotes(db(), [sampleNoteRow("pat-b")]);
    await expect(
      db().query("update public.soap_notes set plan = plan || ' (typo fixed)' where id = $1", [id]),
    ).rejects.toMatchObject({ code: "55000", detail: "Changed without raising version: plan." });
    await db().query("update public.soap_notes set version = 2, plan = plan || ' Addendum.' where id = $1", [
      id,
    ]);
    const queued = await db().query("select note_version from ehr_sync.queue order by note_version");
    expect(queued.rows.map((r) => r.note_version)).toEqual([1, 2]);
  });

  it("backfills notes signed before installation, once", async () => {
    await reset();
    await db().query("alter table public.soap_notes disable trigger ehr_sync_enqueue");
    await insertNotes(db(), [
      sampleNoteRow("pat-c"),
      sampleNoteRow("pat-c"),
      sampleNoteRow("pat-c", { status: "draft" }),
    ]);
    await db().query("alter table public.soap_notes enable trigger ehr_sync_enqueue");
    expect(await backfillNotes(db(), "public.soap_notes")).toBe(2);
    expect(await backfillNotes(db(), "public.soap_notes")).toBe(0);
  });
});

describe("claiming and fencing", () => {
  it("gives each job to one claimer under concurrent claims (SKIP LOCKED)", async () => {
    await reset("independent");
    await insertNotes(
      db(),
      Array.from({ length: 40 }, () => sampleNoteRow(`pat-${randomUUID()}`)),
    );
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimBatch(db(), `w${i}`, 10, 30)));
    const ids = claims.flat().map((j) => j.id);
    expect(ids.length).toBe(40);
    expect(new Set(ids).size).toBe(40);
    expect(new Set(claims.flat().map((j) => j.leaseToken)).size).toBe(40);
  });

  it("fences every transition by the lease token", async () => {
    await reset();
    await insertNotes(db(), [sampleNoteRow("pat-d")]);
    const [job] = await claimBatch(db(), "w1", 1, 30);
    if (!job) throw new Error("expected a job");
    const stale = { ...job, leaseToken: randomUUID() };
    expect(await completeJob(db(), stale, { ehrId: randomUUID(), compositionUid: "x::y::1" })).toBe(false);
    expect(await heartbeatJob(db(), stale, 30)).toBe(false);
    expect(await releaseJob(db(), stale)).toBe(false);
    expect(await buryJob(db(), stale, { errorClass: "x", reason: "y" })).toBe(false);
    expect((await jobRow(job.id)).state).toBe("leased");
    expect(await heartbeatJob(db(), job, 30)).toBe(true);
    expect(await completeJob(db(), job, { ehrId: randomUUID(), compositionUid: "u::local::1" })).toBe(true);
    // A retry of a completion that committed (its answer lost) is recognised by its lease token:
    // answered completed again, with no second success in the attempt log.
    expect(await completeJob(db(), job, { ehrId: randomUUID(), compositionUid: "u::local::1" })).toBe(true);
    const successes = await db().query(
      "select count(*)::int as n from ehr_sync.attempts where job_id = $1 and lease_token = $2 and outcome = 'success'",
      [job.id, job.leaseToken],
    );
    expect(successes.rows[0].n).toBe(1);
    expect((await jobRow(job.id)).attempts).toBe(1);
    // …but no other lease can complete it any more.
    expect(await completeJob(db(), stale, { ehrId: randomUUID(), compositionUid: "x::y::1" })).toBe(false);
  });

  it("rescues an expired lease with one attempt counted and a reconcile flag; the old holder is fenced out", async () => {
    await reset();
    await insertNotes(db(), [sampleNoteRow("pat-e")]);
    const [first] = await claimBatch(db(), "w1", 1, 1);
    if (!first) throw new Error("expected a job");
    await db().query(
      "update ehr_sync.queue set lease_expires_at = now() - interval '1 second' where id = $1",
      [first.id],
    );
    const [second] = await claimBatch(db(), "w2", 1, 30);
    expect(second?.id).toBe(first.id);
    expect(second?.reconcileFirst).toBe(true);
    expect(second?.attempts).toBe(1);
    expect(await completeJob(db(), first, { ehrId: randomUUID(), compositionUid: "a::b::1" })).toBe(false);
    expect(await completeJob(db(), second!, { ehrId: randomUUID(), compositionUid: "a::b::1" })).toBe(true);
  });

  it("releases without counting an attempt, and reschedules on the database clock", async () => {
    await reset();
    await insertNotes(db(), [sampleNoteRow("pat-f")]);
    const [job] = await claimBatch(db(), "w1", 1, 30);
    expect(await releaseJob(db(), job!)).toBe(true);
    expect((await jobRow(job!.id)).attempts).toBe(0);
    const [again] = await claimBatch(db(), "w1", 1, 30);
    expect(
      await rescheduleJob(db(), again!, {
        delayMs: 60_000,
        errorClass: "http-503",
        reason: "r",
        reconcileFirst: false,
      }),
    ).toBe(true);
    const row = await db().query(
      "select state, attempts, next_attempt_at - now() > interval '55 seconds' as later from ehr_sync.queue where id = $1",
      [job!.id],
    );
    expect(row.rows[0]).toEqual({ state: "retry_scheduled", attempts: 1, later: true });
    expect(await claimBatch(db(), "w1", 1, 30)).toEqual([]);
  });
});

describe("destination pause", () => {
  it("blocks every claim until paused_until, without spending the job's attempt", async () => {
    await reset("independent");
    await insertNotes(db(), [sampleNoteRow("pat-p1"), sampleNoteRow("pat-p2")]);
    const [job] = await claimBatch(db(), "w1", 1, 30);
    if (!job) throw new Error("expected a job");
    expect(
      await pauseDestination(db(), job, { delayMs: 60_000, errorClass: "auth-rejected", reason: "401" }),
    ).toBe(true);
    const paused = await db().query(
      "select paused_until > now() + interval '55 seconds' as later, pause_reason from ehr_sync.destination",
    );
    expect(paused.rows[0]).toEqual({ later: true, pause_reason: "auth-rejected" });
    expect((await jobRow(job.id)).attempts).toBe(0);
    expect((await jobRow(job.id)).state).toBe("pending");
    // The other note is runnable, but nobody may claim while the destination is paused.
    expect(await claimBatch(db(), "w2", 10, 30)).toEqual([]);
    await db().query("update ehr_sync.destination set paused_until = now() - interval '1 second'");
    const resumed = await claimBatch(db(), "w2", 10, 30);
    expect(resumed.length).toBe(1);
  });
});

describe("ordering", () => {
  it("strict: a patient's newer note waits for the older one; a dead job does not block", async () => {
    await reset("strict");
    await insertNotes(db(), [sampleNoteRow("pat-g"), sampleNoteRow("pat-g"), sampleNoteRow("pat-h")]);
    const first = await claimBatch(db(), "w1", 10, 30);
    const key = (id: string) => `ehr_sync_node_test|${id}`;
    expect(first.map((j) => j.patientKey).sort()).toEqual([key("pat-g"), key("pat-h")]);
    const g = first.find((j) => j.patientKey === key("pat-g"))!;
    expect(await claimBatch(db(), "w1", 10, 30)).toEqual([]);
    await buryJob(db(), g, { errorClass: "invalid-input", reason: "invalid note: plan" });
    const next = await claimBatch(db(), "w1", 10, 30);
    expect(next.map((j) => j.patientKey)).toEqual([key("pat-g")]);
  });

  it("supersede: a newer version of a note replaces an older one nobody is working on", async () => {
    await reset("supersede");
    const [id] = await insertNotes(db(), [sampleNoteRow("pat-i")]);
    await db().query("update public.soap_notes set version = 2 where id = $1", [id]);
    const states = await db().query(
      "select note_version, state, superseded_by is not null as s from ehr_sync.queue order by 1",
    );
    expect(states.rows).toEqual([
      { note_version: 1, state: "succeeded", s: true },
      { note_version: 2, state: "pending", s: false },
    ]);
    const claimed = await claimBatch(db(), "w1", 10, 30);
    expect(claimed.map((j) => j.noteVersion)).toEqual([2]);
  });

  it("supersede: versions of one note in flight go in order", async () => {
    await reset("supersede");
    const [id] = await insertNotes(db(), [sampleNoteRow("pat-j")]);
    const [v1] = await claimBatch(db(), "w1", 10, 30);
    await db().query("update public.soap_notes set version = 2 where id = $1", [id]);
    expect(await claimBatch(db(), "w2", 10, 30)).toEqual([]);
    await completeJob(db(), v1!, { ehrId: randomUUID(), compositionUid: "c::s::1" });
    expect((await claimBatch(db(), "w2", 10, 30)).map((j) => j.noteVersion)).toEqual([2]);
  });
});

describe("dead jobs and write-back", () => {
  it("writes status back to the note row: failed with a PHI-free reason, then completed after a requeue", async () => {
    await reset();
    const [id] = await insertNotes(db(), [sampleNoteRow("pat-k")]);
    const [job] = await claimBatch(db(), "w1", 1, 30);
    await buryJob(db(), job!, { errorClass: "invalid-input", reason: "invalid note: vitals.pulse" });
    let note = await db().query(
      "select ehr_sync_status, ehr_sync_error, retry_count from public.soap_notes where id = $1",
      [id],
    );
    expect(note.rows[0]).toEqual({
      ehr_sync_status: "failed",
      ehr_sync_error: "invalid note: vitals.pulse",
      retry_count: 1,
    });

    expect(await requeueDead(db(), [job!.id])).toBe(1);
    const [again] = await claimBatch(db(), "w1", 1, 30);
    expect(again?.reconcileFirst).toBe(true);
    expect(again?.attemptsAtWindowStart).toBe(1);
    const uid = `${randomUUID()}::local.ehrbase.org::1`;
    await completeJob(db(), again!, { ehrId: randomUUID(), compositionUid: uid });
    note = await db().query(
      "select ehr_sync_status, ehr_sync_error, ehr_composition_uid, ehr_synced_at is not null as synced from public.soap_notes where id = $1",
      [id],
    );
    expect(note.rows[0]).toEqual({
      ehr_sync_status: "completed",
      ehr_sync_error: null,
      ehr_composition_uid: uid,
      synced: true,
    });
  });

  it("logs a failed attempt in the same statement as its transition, once, even when the lease was lost", async () => {
    await reset("independent");
    await insertNotes(db(), [sampleNoteRow("pat-t1"), sampleNoteRow("pat-t2"), sampleNoteRow("pat-t3")]);
    const [r, b, p] = (await claimBatch(db(), "w1", 3, 30)) as [QueueJob, QueueJob, QueueJob];
    const retry = { delayMs: 1_000, errorClass: "http-503", reason: "r", reconcileFirst: false };
    expect(await rescheduleJob(db(), r, retry)).toBe(true);
    // The same call again (its answer was lost): nothing changes, nothing is logged twice.
    expect(await rescheduleJob(db(), r, retry)).toBe(false);
    expect(await buryJob(db(), b, { errorClass: "http-422", reason: "rejected" })).toBe(true);
    // A worker whose lease was taken over: the request did happen, so it is logged, but not applied.
    const stale = { ...p, leaseToken: randomUUID() };
    expect(await pauseDestination(db(), stale, { delayMs: 1_000, errorClass: "http-401", reason: "x" })).toBe(
      false,
    );
    const logged = await db().query<{
      job_id: string;
      worker_id: string;
      http_status: number;
      outcome: string;
    }>("select job_id::text, worker_id, http_status, outcome from ehr_sync.attempts order by id");
    expect(logged.rows).toEqual(
      [r, b, p].map((job) => ({
        job_id: job.id,
        worker_id: "test-worker",
        http_status: 503,
        outcome: "transient",
      })),
    );
    expect((await jobRow(p.id)).state).toBe("leased");
  });

  it("keeps the attempt log append-only", async () => {
    await reset();
    await insertNotes(db(), [sampleNoteRow("pat-l")]);
    const [job] = await claimBatch(db(), "w1", 1, 30);
    await db().query("select ehr_sync.record_attempt($1, 'w1', $2, 'create', 204, 12, 'success', null)", [
      job!.id,
      job!.leaseToken,
    ]);
    await expect(db().query("update ehr_sync.attempts set outcome = 'x'")).rejects.toThrow(/append-only/);
  });

  it("completes many jobs in one statement, logging every attempt, completing only those whose lease holds", async () => {
    await reset("independent");
    await insertNotes(db(), [sampleNoteRow("pat-m"), sampleNoteRow("pat-m"), sampleNoteRow("pat-n")]);
    const jobs = await claimBatch(db(), "w1", 3, 30);
    expect(jobs).toHaveLength(3);
    const [a, b, c] = jobs as [QueueJob, QueueJob, QueueJob];
    const attempt = {
      action: "create" as const,
      httpStatus: 204,
      durationMs: 9,
      outcome: "success" as const,
    };
    const delivery = (n: number) => ({
      ehrId: randomUUID(),
      compositionUid: `${randomUUID()}::s::${n}`,
      attempt,
    });
    const done = await completeJobs(db(), "w1", [
      { job: a, delivery: delivery(1) },
      { job: { ...b, leaseToken: randomUUID() }, delivery: delivery(1) },
      { job: c, delivery: delivery(1) },
    ]);
    expect([...done].sort()).toEqual([a.id, c.id].sort());
    expect((await jobRow(b.id)).state).toBe("leased");
    const logged = await db().query<{ job_id: string; action: string; http_status: number; outcome: string }>(
      "select job_id::text, action, http_status, outcome from ehr_sync.attempts order by id",
    );
    // The fenced worker's request did happen, so its attempt is logged too.
    expect(logged.rows.map((r) => r.job_id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(new Set(logged.rows.map((r) => `${r.action}/${r.http_status}/${r.outcome}`))).toEqual(
      new Set(["create/204/success"]),
    );
    const notes = await db().query(
      "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed'",
    );
    expect(notes.rows[0].n).toBe(2);
  });

  it("writes back to an app table whatever the type of its id column (text, bigint, uuid), without scanning it", async () => {
    const idOf: Record<string, string> = { text: "g::text", bigint: "g::bigint", uuid: "md5(g::text)::uuid" };
    for (const idType of ["text", "bigint", "uuid"]) {
      await reset();
      const table = `public.app_notes_${idType}`;
      await db().query(`drop table if exists ${table}`);
      await db().query(
        `create table ${table} (id ${idType} primary key, patient_ref text, status text,
           ehr_sync_status text, ehr_sync_error text, retry_count int default 0, ehr_composition_uid text,
           ehr_synced_at timestamptz)`,
      );
      await db().query(`select ehr_sync.attach_note_trigger('${table}', 'patient_ref')`);
      // Enough unsigned history that a scan per completion would be the planner's last resort.
      await db().query(
        `insert into ${table} (id, patient_ref, status)
         select ${idOf[idType]}, 'pat-o', case when g <= 50 then 'signed' else 'draft' end from generate_series(1, 3000) g`,
      );
      await db().query(`analyze ${table}`);
      const client = await bed.pool.connect();
      try {
        const seqScans = async () => {
          await client.query("select pg_stat_force_next_flush()");
          const r = await client.query(
            "select seq_scan::int as n from pg_stat_user_tables where relid = $1::regclass",
            [table],
          );
          return r.rows[0].n as number;
        };
        const before = await seqScans();
        const jobs = await claimBatch(client, "w1", 50, 30);
        expect(jobs).toHaveLength(50);
        const attempt = { action: "create" as const, durationMs: 5, outcome: "success" as const };
        await completeJobs(
          client,
          "w1",
          jobs.map((job) => ({
            job,
            delivery: { ehrId: randomUUID(), compositionUid: `u-${job.noteId}::s::1`, attempt },
          })),
        );
        expect(await seqScans()).toBe(before);
      } finally {
        client.release();
      }
      const rows = await db().query(
        `select count(*)::int as n from ${table}
          where ehr_sync_status = 'completed' and ehr_composition_uid = 'u-' || id::text || '::s::1'`,
      );
      expect(rows.rows[0].n).toBe(50);
      await db().query(`drop table ${table}`);
    }
  });

  it("hands out the patient's EHR id with the claimed job once ehr_sync.patient_ehr knows it", async () => {
    await reset("independent");
    await insertNotes(db(), [sampleNoteRow("pat-known"), sampleNoteRow("pat-new")]);
    const ehrId = randomUUID();
    await db().query("select ehr_sync.remember_ehr('ehr_sync_node_test|pat-known', $1::uuid)", [ehrId]);
    const jobs = await claimBatch(db(), "w1", 2, 30);
    const byPatient = new Map(jobs.map((j) => [j.patientKey, j]));
    expect(byPatient.get("ehr_sync_node_test|pat-known")?.knownEhrId).toBe(ehrId);
    expect(byPatient.get("ehr_sync_node_test|pat-new")?.knownEhrId).toBeUndefined();
  });
});
