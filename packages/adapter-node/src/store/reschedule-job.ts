import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** Counts the attempt and schedules the next one `delayMs` from the database's now (fenced). */
export function rescheduleJob(
  db: Db,
  job: QueueJob,
  retry: { delayMs: number; errorClass: string; reason: string; reconcileFirst: boolean },
): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.reschedule($1::bigint, $2::uuid, $3::int, $4, $5, $6) as ok", [
    job.id,
    job.leaseToken,
    Math.round(retry.delayMs),
    retry.errorClass,
    retry.reason,
    retry.reconcileFirst,
  ]);
}
