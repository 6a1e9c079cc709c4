/**
 * Every statement the adapters send to the queue, in one catalogue (pg-boss keeps its plans the same
 * way): each is one autocommit call of an `ehr_sync` SQL function (packages/core/sql), with unnamed
 * parameters and no session state, so it works through a transaction-mode pooler and with any driver
 * that runs `(text, values)`. To learn what a statement does, read the SQL function it names.
 *
 * Parameters are cast so that no driver has to guess a type: JSON goes in as text (`$n::text::jsonb`,
 * postgres.js would encode a string bound straight to jsonb a second time), arrays as array literals.
 */

import { UNFINISHED_QUEUE_STATES } from "../vocabulary.js";

/**
 * The one definition of "not yet delivered" in SQL text (a job in one of core's unfinished states),
 * for the operator queries that count or age such jobs (status, metrics, tests).
 */
export const UNDELIVERED_JOB = `state in (${UNFINISHED_QUEUE_STATES.map((s) => `'${s}'`).join(", ")})`;

/** Runs one statement and answers its rows: `pg`'s `(await pool.query(t, v)).rows`, postgres.js's `sql.unsafe(t, v)`. */
export type SqlQuery = (text: string, values: unknown[]) => Promise<readonly object[]>;

export const queueStatements = {
  /**
   * $1 worker, $2 limit, $3 lease seconds. Only the columns the engine reads (parsing every column of
   * every row is wasted work); the destination's pause count comes along, so a failing probe grows the
   * next pause. $4 (nullable): the first job a doorbell rang for; jobs from that id on are claimed
   * first, the claim rules permitting (SQL 0009). The one place a claim is written: extend it here.
   */
  claimBatch: `select id, note_id, note_version, patient_key, payload, attempts, attempts_at_window_start,
            first_enqueued_at, enqueued_at, lease_token, reconcile_first, ehr_id, uid_scope, leases_lost,
            (select consecutive_pauses from ehr_sync.destination where id = 'default') as destination_pauses
       from ehr_sync.claim_batch($1, $2::int, $3::int, $4::bigint)`,
  /** $1 job, $2 lease token, $3 lease seconds → ok (false: the lease was lost). */
  heartbeat: "select ehr_sync.heartbeat($1::bigint, $2::uuid, $3::int) as ok",
  /** $1 job, $2 lease token → ok. Hands a leased job back without counting an attempt. */
  release: "select ehr_sync.release($1::bigint, $2::uuid) as ok",
  /** $1 worker, $2 JSON array of CompletionItem → the ids completed (a missing id had lost its lease). */
  completeBatch: "select id::text as id from ehr_sync.complete_batch($1, $2::text::jsonb) as done(id)",
  /**
   * The failure transitions log their attempt in the same statement (SQL 0008). Each takes $1 job,
   * $2 token, $3 worker, $4 the attempt as JSON ({action, http_status, duration_ms, outcome,
   * error_class}), then: $5 delay ms, $6 error class, $7 reason, $8 reconcile first → ok.
   */
  reschedule:
    "select ehr_sync.reschedule($1::bigint, $2::uuid, $3, $4::text::jsonb, $5::int, $6, $7, $8::boolean) as ok",
  /** $1–$4 as reschedule, $5 error class, $6 reason → ok. */
  bury: "select ehr_sync.bury($1::bigint, $2::uuid, $3, $4::text::jsonb, $5, $6) as ok",
  /** $1–$4 as reschedule, $5 delay ms, $6 error class, $7 reason → ok. */
  pauseDestination:
    "select ehr_sync.pause_destination($1::bigint, $2::uuid, $3, $4::text::jsonb, $5::int, $6, $7) as ok",
  /** $1 job, $2 worker, $3 token, $4 action, $5 HTTP status, $6 duration ms, $7 outcome, $8 error class. */
  recordAttempt:
    "select ehr_sync.record_attempt($1::bigint, $2, $3::uuid, $4, $5::int, $6::int, $7, $8) as logged",
  /** → busy: whether any job is leased or runnable now (a worker's drain waits for false). */
  anythingToDo: `select exists (select 1 from ehr_sync.queue
                  where state = 'leased'
                     or (state in ('pending', 'retry_scheduled') and next_attempt_at <= now())) as busy`,
  /** $1 patient key → ehr_id, or no row. */
  ehrIdFor: "select ehr_id::text as ehr_id from ehr_sync.patient_ehr where patient_key = $1",
  /** $1 patient key, $2 EHR id (the first one remembered wins). */
  rememberEhr: "select ehr_sync.remember_ehr($1, $2::uuid) as remembered",
  /** $1 max attempts, $2 max age ms: lease rescue (in SQL) applies the engine's limits too. */
  setRetryLimits: "select ehr_sync.set_retry_limits($1::int, $2::bigint) as saved",
  /** $1 app table, $2 patient column → how many signed notes were queued. */
  backfill: "select ehr_sync.backfill($1::regclass, $2) as n",
  /** $1 ids as an array literal ('{1,2}') or null for every dead job → how many were requeued. */
  requeueDead: "select ehr_sync.requeue_dead($1::text::bigint[]) as n",
  /** $1/$2/$3 days: payloads of delivered jobs, attempt rows, payloads of dead jobs (null: keep). */
  prune: `select payloads_dropped, attempts_deleted from ehr_sync.prune(
       make_interval(days => $1::int), make_interval(days => $2::int),
       case when $3::int is null then null else make_interval(days => $3::int) end)`,
  /** $1 dry run, $2 the pg_cron job's new command → the steps (action, target, items). */
  upgradeFromHandmade:
    "select action, target, items from ehr_sync.upgrade_from_handmade(p_dry_run => $1::boolean, p_job_command => $2)",
} as const;

/** Reads the `ok` column of a function answering one boolean. */
export function answeredTrue(rows: readonly object[]): boolean {
  return (rows[0] as { ok?: unknown } | undefined)?.ok === true;
}
