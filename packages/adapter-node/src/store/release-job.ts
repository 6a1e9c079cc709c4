import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** Hands a leased job back without counting an attempt (shutdown). */
export function releaseJob(db: Db, job: QueueJob): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.release($1::bigint, $2::uuid) as ok", [job.id, job.leaseToken]);
}
