import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** The destination is failing (credentials, template): pause it and hand the job back, attempt refunded. */
export function pauseDestination(
  db: Db,
  job: QueueJob,
  pause: { delayMs: number; errorClass: string; reason: string },
): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.pause_destination($1::bigint, $2::uuid, $3::int, $4, $5) as ok", [
    job.id,
    job.leaseToken,
    Math.round(pause.delayMs),
    pause.errorClass,
    pause.reason,
  ]);
}
