import type { QueueJob } from "@ehr-sync/core";

/** A row of ehr_sync.queue as `pg` returns it (bigint ids come back as strings). */
export interface QueueRow {
  id: string;
  note_id: string;
  note_version: number;
  patient_key: string;
  payload: unknown;
  attempts: number;
  attempts_at_window_start: number;
  first_enqueued_at: Date;
  enqueued_at: Date;
  lease_token: string;
  reconcile_first: boolean;
}

export function jobFromRow(row: QueueRow): QueueJob {
  return {
    id: String(row.id),
    noteId: row.note_id,
    noteVersion: row.note_version,
    patientKey: row.patient_key,
    payload: row.payload,
    attempts: row.attempts,
    attemptsAtWindowStart: row.attempts_at_window_start,
    firstEnqueuedAt: row.first_enqueued_at,
    enqueuedAt: row.enqueued_at,
    leaseToken: row.lease_token,
    reconcileFirst: row.reconcile_first,
  };
}
