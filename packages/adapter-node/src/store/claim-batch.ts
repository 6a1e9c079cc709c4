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
  // Only what the engine reads: parsing every column (timestamps, errors) of every row is wasted work.
  // The destination's pause count comes along, so a failing probe grows the next pause.
  const result = await db.query<QueueRow>(
    `select id, note_id, note_version, patient_key, payload, attempts, attempts_at_window_start,
            first_enqueued_at, enqueued_at, lease_token, reconcile_first, ehr_id, uid_scope, leases_lost,
            (select consecutive_pauses from ehr_sync.destination where id = 'default') as destination_pauses
       from ehr_sync.claim_batch($1, $2::int, $3::int)`,
    [workerId, limit, leaseSeconds],
  );
  return result.rows.map(jobFromRow);
}
