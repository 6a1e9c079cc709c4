import type { QueueJob } from "@ehr-sync/core";
import { type Db, returnsTrue } from "./db.js";

/** Marks the job succeeded and writes the composition uid back to the note row (fenced). */
export function completeJob(
  db: Db,
  job: QueueJob,
  result: { ehrId: string; compositionUid: string },
): Promise<boolean> {
  return returnsTrue(db, "select ehr_sync.complete($1::bigint, $2::uuid, $3::uuid, $4) as ok", [
    job.id,
    job.leaseToken,
    result.ehrId,
    result.compositionUid,
  ]);
}
