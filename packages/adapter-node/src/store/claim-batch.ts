import type { QueueJob } from "@ehr-sync/core";
import { jobFromRow, type QueueRow } from "@ehr-sync/core";
import type { Db } from "./db.js";

/**
 * Leases up to `limit` runnable jobs with fresh fencing tokens (ehr_sync.claim_batch: rescues expired
 * leases, honours the pause switch and per-patient ordering, FOR UPDATE SKIP LOCKED).
 */
export async function claimBatch(
  db: Db,
  workerId: string,
  limit: number,
  leaseSeconds: number,
): Promise<QueueJob[]> {
  const result = await db.query<QueueRow>("select * from ehr_sync.claim_batch($1, $2::int, $3::int)", [
    workerId,
    limit,
    leaseSeconds,
  ]);
  return result.rows.map(jobFromRow);
}
