import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** The job cannot succeed: it goes dead with a PHI-free reason (fenced). */
export function buryJob(
  db: Db,
  job: QueueJob,
  failure: { errorClass: string; reason: string },
): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.bury($1::bigint, $2::uuid, $3, $4) as ok", [
    job.id,
    job.leaseToken,
    failure.errorClass,
    failure.reason,
  ]);
}
