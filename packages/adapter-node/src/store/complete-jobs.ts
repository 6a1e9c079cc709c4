import { type CompletedDelivery, completionItem, type QueueJob } from "@ehr-sync/core";
import type { Db } from "./db.js";

/**
 * Logs each delivery's attempt and completes its job, all in one statement (ehr_sync.complete_batch),
 * fenced per job by its lease token. Returns the ids of the jobs that were completed; a job missing
 * from the answer had lost its lease.
 */
export async function completeJobs(
  db: Db,
  workerId: string,
  deliveries: readonly { job: QueueJob; delivery: CompletedDelivery }[],
): Promise<Set<string>> {
  const items = deliveries.map(({ job, delivery }) => completionItem(job, delivery));
  const result = await db.query<{ id: string }>(
    "select id::text from ehr_sync.complete_batch($1, $2::jsonb) as done(id)",
    [workerId, JSON.stringify(items)],
  );
  return new Set(result.rows.map((row) => row.id));
}
