import type { QueueJob } from "./ports.js";

/**
 * A row of `ehr_sync.queue` as PostgreSQL drivers return it (bigint ids may come back as strings,
 * timestamps as Dates). Both adapters turn claimed rows into engine jobs with `jobFromRow`.
 */
export interface QueueRow {
  id: string | number;
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
  /** Filled by claim_batch (0005) from ehr_sync.patient_ehr when the patient's EHR is known. */
  ehr_id?: string | null;
  /** The app table's uid scope (SQL 0006, ehr_sync.note_sources); null for the first attached table. */
  uid_scope?: string | null;
  /** How often a worker holding this job was lost (SQL 0006). */
  leases_lost?: number | null;
  /** ehr_sync.destination.consecutive_pauses, selected next to the claimed rows. */
  destination_pauses?: number | null;
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
    ...(row.ehr_id ? { knownEhrId: String(row.ehr_id) } : {}),
    ...(row.uid_scope ? { uidScope: row.uid_scope } : {}),
    ...(row.leases_lost ? { solo: true } : {}),
    ...(row.destination_pauses ? { destinationPauses: Number(row.destination_pauses) } : {}),
  };
}
