import type { AttemptRecord, QueueJob } from "@ehr-sync/core";
import type { Db } from "./db.js";

/** Appends one row to the attempt log (worker, lease token, action, HTTP status, duration, outcome). */
export async function recordAttempt(
  db: Db,
  workerId: string,
  job: QueueJob,
  attempt: AttemptRecord,
): Promise<void> {
  await db.query("select ehr_sync.record_attempt($1::bigint, $2, $3::uuid, $4, $5::int, $6::int, $7, $8)", [
    job.id,
    workerId,
    job.leaseToken,
    attempt.action,
    attempt.httpStatus ?? null,
    attempt.durationMs,
    attempt.outcome,
    attempt.errorClass ?? null,
  ]);
}
