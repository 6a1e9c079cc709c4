/**
 * The engine's QueueStore over any PostgreSQL driver: each method runs one statement of the catalogue
 * (queue-statements.ts), so both adapters make the same calls with the same casts. Completions are
 * grouped (CompletionBatcher); a patient's EHR id usually arrives with the claimed job (claim_batch),
 * so look-ups are rare.
 */
import { completionItem } from "../engine/completion-item.js";
import type { AttemptRecord, CompletedDelivery, QueueJob, QueueStore } from "../engine/ports.js";
import { jobFromRow, type QueueRow } from "../engine/queue-row.js";
import { CompletionBatcher, type CompletionBatcherOptions } from "./completion-batcher.js";
import { answeredTrue, queueStatements as q, type SqlQuery } from "./queue-statements.js";

export interface SqlQueueStoreOptions {
  /** Written on every lease and attempt row: which worker did it. */
  workerId: string;
  completions?: CompletionBatcherOptions;
}

export interface SqlQueueStore extends QueueStore {
  /** Leases up to `limit` runnable jobs with fresh fencing tokens. */
  /** `preferFromId`: the first job a doorbell rang for; those jobs are claimed first (SQL 0009). */
  claim(limit: number, leaseSeconds: number, preferFromId?: string): Promise<QueueJob[]>;
  /** Extends the lease; `false` means it was lost (expired and taken over). */
  heartbeat(job: QueueJob, leaseSeconds: number): Promise<boolean>;
  /** Writes the completions still waiting for company (shutdown). */
  flushCompletions(): Promise<void>;
}

/** Logs each delivery's attempt and completes its job in one statement (ehr_sync.complete_batch). */
export async function completeJobs(
  query: SqlQuery,
  workerId: string,
  deliveries: readonly { job: QueueJob; delivery: CompletedDelivery }[],
): Promise<Set<string>> {
  const items = deliveries.map(({ job, delivery }) => completionItem(job, delivery));
  const rows = (await query(q.completeBatch, [workerId, JSON.stringify(items)])) as { id: string }[];
  return new Set(rows.map((row) => String(row.id)));
}

export function sqlQueueStore(query: SqlQuery, options: SqlQueueStoreOptions): SqlQueueStore {
  const { workerId } = options;
  const completions = new CompletionBatcher(
    (deliveries) => completeJobs(query, workerId, deliveries),
    options.completions,
  );
  /** The four leading parameters of a failure transition: job, lease token, worker, attempt. */
  const failed = (job: QueueJob, attempt: AttemptRecord) => [
    job.id,
    job.leaseToken,
    workerId,
    JSON.stringify({
      action: attempt.action,
      http_status: attempt.httpStatus ?? null,
      duration_ms: attempt.durationMs,
      outcome: attempt.outcome,
      error_class: attempt.errorClass ?? null,
    }),
  ];
  const flag = async (text: string, values: unknown[]) => answeredTrue(await query(text, values));
  return {
    claim: async (limit, leaseSeconds, preferFromId) =>
      ((await query(q.claimBatch, [workerId, limit, leaseSeconds, preferFromId ?? null])) as QueueRow[]).map(
        jobFromRow,
      ),
    heartbeat: (job, leaseSeconds) => flag(q.heartbeat, [job.id, job.leaseToken, leaseSeconds]),
    release: (job) => flag(q.release, [job.id, job.leaseToken]),
    complete: (job, delivery) => completions.complete(job, delivery),
    flushCompletions: () => completions.flush(),
    recordAttempt: async (job: QueueJob, attempt: AttemptRecord) => {
      await query(q.recordAttempt, [
        job.id,
        workerId,
        job.leaseToken,
        attempt.action,
        attempt.httpStatus ?? null,
        attempt.durationMs,
        attempt.outcome,
        attempt.errorClass ?? null,
      ]);
    },
    reschedule: (job, retry) =>
      flag(q.reschedule, [
        ...failed(job, retry.attempt),
        Math.round(retry.delayMs),
        retry.errorClass,
        retry.reason,
        retry.reconcileFirst,
      ]),
    bury: (job, failure) =>
      flag(q.bury, [...failed(job, failure.attempt), failure.errorClass, failure.reason]),
    pauseDestination: (job, pause) =>
      flag(q.pauseDestination, [
        ...failed(job, pause.attempt),
        Math.round(pause.delayMs),
        pause.errorClass,
        pause.reason,
      ]),
    ehrIdFor: async (patientKey) => {
      const rows = (await query(q.ehrIdFor, [patientKey])) as { ehr_id: string }[];
      return rows[0]?.ehr_id ?? null;
    },
    rememberEhr: async (patientKey, ehrId) => {
      await query(q.rememberEhr, [patientKey, ehrId]);
    },
  };
}
