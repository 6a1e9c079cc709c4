import type { CompletedDelivery, QueueJob } from "./ports.js";

/** One element of the JSON array `ehr_sync.complete_batch(worker, items)` takes (SQL 0005). */
export interface CompletionItem {
  id: string;
  lease_token: string;
  ehr_id: string;
  composition_uid: string;
  action: string;
  http_status: number | null;
  duration_ms: number;
}

/** The same item shape for every adapter, so the SQL contract lives in one place. */
export function completionItem(job: QueueJob, delivery: CompletedDelivery): CompletionItem {
  return {
    id: job.id,
    lease_token: job.leaseToken,
    ehr_id: delivery.ehrId,
    composition_uid: delivery.compositionUid,
    action: delivery.attempt.action,
    http_status: delivery.attempt.httpStatus ?? null,
    duration_ms: delivery.attempt.durationMs,
  };
}
