import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** Extends the lease; `false` means the lease was lost (expired and taken over). */
export function heartbeatJob(db: Db, job: QueueJob, leaseSeconds: number): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.heartbeat($1::bigint, $2::uuid, $3::int) as ok", [
    job.id,
    job.leaseToken,
    leaseSeconds,
  ]);
}
