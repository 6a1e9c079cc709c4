/**
 * What the dashboard reads and the one thing it writes. Every statement names its columns: the queue's
 * payload (the whole note), patient_key and note_id are never selected, so no code path can hand patient
 * data to the page. Reads go through the shared view and tables of packages/core/sql; the requeue goes
 * through ehr_sync.requeue_dead and ehr_sync.record_attempt, in one statement (pooler-safe).
 */
import type { Db } from "../store/db.js";
import { queueStatus } from "../store/queue-status.js";

export interface DashboardOverview {
  counts: Record<"pending" | "leased" | "retry_scheduled" | "succeeded" | "dead", number>;
  oldestUndeliveredSeconds: number | null;
  destination: {
    /**
     * Paused, or probing after a pause: until a delivery succeeds (which clears the reason and the
     * count), the destination is failing for every note, even between two probes.
     */
    paused: boolean;
    /** When the next probe may run (in the past while a probe is due or under way). */
    pausedUntil: string | null;
    reason: string | null;
    /** First failure with the pause's reason since the last success (when the trouble began). */
    since: string | null;
    consecutivePauses: number;
  };
  generatedAt: string;
}

export async function readOverview(db: Db): Promise<DashboardOverview> {
  const status = await queueStatus(db, 0);
  const destination = await db.query<{
    paused: boolean;
    paused_until: Date | null;
    pause_reason: string | null;
    consecutive_pauses: number;
    updated_at: Date;
    now: Date;
  }>(
    `select coalesce(paused_until > now(), false) or (pause_reason is not null and consecutive_pauses > 0) as paused,
            paused_until, pause_reason, consecutive_pauses,
            updated_at, now() as now
       from ehr_sync.destination where id = 'default'`,
  );
  const d = destination.rows[0];
  let since: Date | null = null;
  if (d?.paused) {
    // While paused few attempts are made, so walking back from the newest attempt to the last success
    // (primary key, backwards) stays short.
    const first = await db.query<{ since: Date | null }>(
      `select min(a.created_at) as since from ehr_sync.attempts a
        where a.id > coalesce((select s.id from ehr_sync.attempts s where s.outcome = 'success'
                                order by s.id desc limit 1), 0)
          and a.error_class = $1`,
      [d.pause_reason],
    );
    since = first.rows[0]?.since ?? d.updated_at;
  }
  return {
    counts: status.counts,
    oldestUndeliveredSeconds: status.oldestUndeliveredSeconds,
    destination: {
      paused: d?.paused ?? false,
      pausedUntil: d?.paused_until?.toISOString() ?? null,
      reason: d?.pause_reason ?? null,
      since: since?.toISOString() ?? null,
      consecutivePauses: d?.consecutive_pauses ?? 0,
    },
    generatedAt: (d?.now ?? new Date()).toISOString(),
  };
}

export interface DeliveryBucket {
  /** Start of the minute (epoch ms). */
  t: number;
  delivered: number;
  /** Sign→synced (queued → confirmed) seconds, median and 95th percentile of the minute. */
  p50: number;
  p95: number;
}

/** Deliveries per minute over the last `hours` (superseded versions were never sent: left out). */
export async function readDeliverySeries(db: Db, hours: number): Promise<DeliveryBucket[]> {
  const result = await db.query<{ t: number; delivered: number; p50: number; p95: number }>(
    `select extract(epoch from date_trunc('minute', completed_at))::float8 * 1000 as t,
            count(*)::int as delivered,
            percentile_cont(0.5) within group (order by extract(epoch from completed_at - enqueued_at))::float8 as p50,
            percentile_cont(0.95) within group (order by extract(epoch from completed_at - enqueued_at))::float8 as p95
       from ehr_sync.queue
      where state = 'succeeded' and superseded_by is null and completed_at > now() - make_interval(hours => $1)
      group by 1 order by 1`,
    [hours],
  );
  return result.rows;
}

export const PROBLEM_STATES = ["dead", "retry_scheduled"] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

export interface ProblemJob {
  id: string;
  state: string;
  noteVersion: number;
  attempts: number;
  errorClass: string | null;
  reason: string | null;
  nextAttemptAt: string | null;
  enqueuedAt: string;
  updatedAt: string;
}

export interface ProblemJobs {
  jobs: ProblemJob[];
  /** Jobs per (state, error class) over every problem job, for the filter. */
  errorClasses: { state: string; errorClass: string | null; jobs: number }[];
}

export async function readProblemJobs(
  db: Db,
  filter: { states: readonly ProblemState[]; errorClass?: string | undefined; limit: number },
): Promise<ProblemJobs> {
  const jobs = await db.query<{
    id: string;
    state: string;
    note_version: number;
    attempts: number;
    last_error_class: string | null;
    last_error: string | null;
    next_attempt_at: Date;
    enqueued_at: Date;
    updated_at: Date;
  }>(
    `select id::text, state, note_version, attempts, last_error_class, last_error, next_attempt_at,
            enqueued_at, updated_at
       from ehr_sync.queue
      where state = any ($1::text[]) and ($2::text is null or last_error_class = $2)
      order by id desc limit $3`,
    [filter.states, filter.errorClass ?? null, filter.limit],
  );
  const classes = await db.query<{ state: string; last_error_class: string | null; jobs: number }>(
    `select state, last_error_class, count(*)::int as jobs from ehr_sync.queue
      where state in ('dead', 'retry_scheduled') group by 1, 2 order by 3 desc, 2`,
  );
  return {
    jobs: jobs.rows.map((r) => ({
      id: r.id,
      state: r.state,
      noteVersion: r.note_version,
      attempts: r.attempts,
      errorClass: r.last_error_class,
      reason: r.last_error,
      nextAttemptAt: r.state === "dead" ? null : r.next_attempt_at.toISOString(),
      enqueuedAt: r.enqueued_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    })),
    errorClasses: classes.rows.map((r) => ({ state: r.state, errorClass: r.last_error_class, jobs: r.jobs })),
  };
}

export interface JobTimeline {
  job: {
    id: string;
    state: string;
    noteVersion: number;
    attempts: number;
    errorClass: string | null;
    reason: string | null;
    ehrId: string | null;
    compositionUid: string | null;
    enqueuedAt: string;
    nextAttemptAt: string | null;
    completedAt: string | null;
    supersededBy: string | null;
  };
  /** The attempt log, oldest first (deliveries, look-ups and operator requeues). */
  attempts: {
    at: string;
    action: string;
    httpStatus: number | null;
    durationMs: number;
    outcome: string;
    errorClass: string | null;
    worker: string;
  }[];
}

export async function readJobTimeline(db: Db, jobId: string, limit = 500): Promise<JobTimeline | null> {
  const job = await db.query<{
    id: string;
    state: string;
    note_version: number;
    attempts: number;
    last_error_class: string | null;
    last_error: string | null;
    ehr_id: string | null;
    composition_uid: string | null;
    enqueued_at: Date;
    next_attempt_at: Date;
    completed_at: Date | null;
    superseded_by: string | null;
  }>(
    `select id::text, state, note_version, attempts, last_error_class, last_error, ehr_id::text,
            composition_uid, enqueued_at, next_attempt_at, completed_at, superseded_by::text
       from ehr_sync.queue where id = $1::bigint`,
    [jobId],
  );
  const j = job.rows[0];
  if (!j) return null;
  const attempts = await db.query<{
    created_at: Date;
    action: string;
    http_status: number | null;
    duration_ms: number;
    outcome: string;
    error_class: string | null;
    worker_id: string;
  }>(
    `select created_at, action, http_status, duration_ms, outcome, error_class, worker_id
       from ehr_sync.attempts where job_id = $1::bigint order by id limit $2`,
    [jobId, limit],
  );
  const waiting = j.state === "pending" || j.state === "retry_scheduled";
  return {
    job: {
      id: j.id,
      state: j.state,
      noteVersion: j.note_version,
      attempts: j.attempts,
      errorClass: j.last_error_class,
      reason: j.last_error,
      ehrId: j.ehr_id,
      compositionUid: j.composition_uid,
      enqueuedAt: j.enqueued_at.toISOString(),
      nextAttemptAt: waiting ? j.next_attempt_at.toISOString() : null,
      completedAt: j.completed_at?.toISOString() ?? null,
      supersededBy: j.superseded_by,
    },
    attempts: attempts.rows.map((a) => ({
      at: a.created_at.toISOString(),
      action: a.action,
      httpStatus: a.http_status,
      durationMs: a.duration_ms,
      outcome: a.outcome,
      errorClass: a.error_class,
      worker: a.worker_id,
    })),
  };
}

/** The attempt-log action and outcome of an operator's requeue. */
export const REQUEUE_ACTION = "requeue";
export const REQUEUE_OUTCOME = "requeued";

/**
 * Requeues dead jobs (the given ids, or all when `ids` is null) through ehr_sync.requeue_dead and logs
 * one attempt-log row per requeued job, naming `actor` as its worker, all in one statement: the dead
 * rows are locked first, so exactly the jobs requeued are the jobs audited. The audit row's lease
 * token is a fresh uuid that fences nothing (no lease is involved).
 */
export async function requeueDeadAudited(
  db: Db,
  ids: readonly string[] | null,
  actor: string,
): Promise<number> {
  const result = await db.query<{ requeued: number; audited: number }>(
    `with target as (
       select id from ehr_sync.queue
        where state = 'dead' and ($1::bigint[] is null or id = any ($1::bigint[]))
        order by id for update
     ), requeued as (
       -- no dead job matched: requeue_dead must not be called with NULL (that means "all")
       select ehr_sync.requeue_dead(array_agg(id)) as n from target having count(*) > 0
     ), audited as (
       select ehr_sync.record_attempt(t.id, $2, gen_random_uuid(), '${REQUEUE_ACTION}', null, 0,
                                      '${REQUEUE_OUTCOME}', null)
         from target t cross join requeued
     )
     select coalesce((select n from requeued), 0)::int as requeued, (select count(*) from audited)::int as audited`,
    [ids, actor],
  );
  const row = result.rows[0];
  return row?.requeued ?? 0;
}
