import { UNDELIVERED_JOB } from "@ehr-sync/core";
import type pg from "pg";

/** Polls until every queued job is terminal (succeeded or dead), or fails after `timeoutMs`. */
export async function waitUntilDrained(db: pg.Pool, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await db.query<{ n: number }>(
      `select count(*)::int as n from ehr_sync.queue where ${UNDELIVERED_JOB}`,
    );
    if (r.rows[0]?.n === 0) return;
    if (Date.now() > deadline)
      throw new Error(`queue not drained after ${timeoutMs} ms (${r.rows[0]?.n} left)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function countInState(db: pg.Pool, state: string): Promise<number> {
  const r = await db.query<{ n: number }>("select count(*)::int as n from ehr_sync.queue where state = $1", [
    state,
  ]);
  return r.rows[0]?.n ?? 0;
}

/**
 * Jobs whose note was sent more than once without a look-up in between: every create/update that
 * may have reached EHRbase, after the first such one, must be preceded by a reconcile in the attempt
 * log. Attempts refused before anything was sent (`*-before-send`) are not sends. Returns the
 * offending job ids.
 */
export async function sendsWithoutReconciliation(db: pg.Pool): Promise<string[]> {
  const r = await db.query<{ job_id: string }>(`
    with ordered as (
      select job_id, action,
             lag(action) over (partition by job_id order by id) as previous,
             count(*) over (partition by job_id order by id) as sends
        from ehr_sync.attempts
       where action = 'reconcile'
          or (action in ('create', 'update') and coalesce(error_class, '') not like '%-before-send'))
    select distinct job_id::text from ordered
     where action in ('create', 'update') and sends > 1 and previous is distinct from 'reconcile'`);
  return r.rows.map((row) => row.job_id);
}
