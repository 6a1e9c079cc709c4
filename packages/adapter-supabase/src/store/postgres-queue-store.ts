/**
 * The engine's QueueStore on postgres.js: every method is one call of a shared `ehr_sync` SQL
 * function (packages/core/sql/0002_queue_functions.sql, 0005_fast_paths.sql), the same functions the Node worker calls.
 * Each call is a single autocommit statement, fenced by the job's lease token in SQL.
 */
import {
  type AttemptRecord,
  type CompletedDelivery,
  completionItem,
  jobFromRow,
  type QueueJob,
  type QueueRow,
  type QueueStore,
} from "@ehr-sync/core";
import type { Sql } from "../database.js";

async function flag(query: Promise<{ ok: boolean }[]>): Promise<boolean> {
  const rows = await query;
  return rows[0]?.ok === true;
}

export class PostgresQueueStore implements QueueStore {
  constructor(
    private readonly sql: Sql,
    private readonly workerName: string,
  ) {}

  /**
   * Leases up to `limit` runnable jobs for `leaseSeconds` (ehr_sync.claim_batch, SKIP LOCKED); the
   * jobs from `preferFromId` on (a doorbell's) first, the claim rules permitting.
   */
  async claimBatch(limit: number, leaseSeconds: number, preferFromId?: string): Promise<QueueJob[]> {
    // The destination's pause count comes along, so a failing probe grows the next pause.
    const rows = await this.sql<QueueRow[]>`
      select q.*, (select consecutive_pauses from ehr_sync.destination where id = 'default') as destination_pauses
        from ehr_sync.claim_batch(${this.workerName}, ${limit}::int, ${leaseSeconds}::int,
                                 ${preferFromId ?? null}::bigint) q`;
    return rows.map(jobFromRow);
  }

  async recordAttempt(job: QueueJob, attempt: AttemptRecord): Promise<void> {
    await this.sql`
      select ehr_sync.record_attempt(${job.id}::bigint, ${this.workerName}, ${job.leaseToken}::uuid,
        ${attempt.action}, ${attempt.httpStatus ?? null}::int, ${attempt.durationMs}::int,
        ${attempt.outcome}, ${attempt.errorClass ?? null})`;
  }

  /** Logs the successful attempt and completes the job in one statement (ehr_sync.complete_batch). */
  async complete(job: QueueJob, delivery: CompletedDelivery): Promise<boolean> {
    const item = completionItem(job, delivery);
    // ::text::jsonb: postgres.js would JSON-encode a string bound straight to jsonb a second time.
    const rows = await this.sql<{ id: string }[]>`
      select id::text from ehr_sync.complete_batch(${this.workerName}, ${JSON.stringify([item])}::text::jsonb) as done(id)`;
    return rows.some((row) => row.id === job.id);
  }

  reschedule(
    job: QueueJob,
    retry: { delayMs: number; errorClass: string; reason: string; reconcileFirst: boolean },
  ): Promise<boolean> {
    return flag(this.sql<{ ok: boolean }[]>`
      select ehr_sync.reschedule(${job.id}::bigint, ${job.leaseToken}::uuid, ${Math.round(retry.delayMs)}::int,
        ${retry.errorClass}, ${retry.reason}, ${retry.reconcileFirst}) as ok`);
  }

  bury(job: QueueJob, failure: { errorClass: string; reason: string }): Promise<boolean> {
    return flag(this.sql<{ ok: boolean }[]>`
      select ehr_sync.bury(${job.id}::bigint, ${job.leaseToken}::uuid, ${failure.errorClass},
        ${failure.reason}) as ok`);
  }

  pauseDestination(
    job: QueueJob,
    pause: { delayMs: number; errorClass: string; reason: string },
  ): Promise<boolean> {
    return flag(this.sql<{ ok: boolean }[]>`
      select ehr_sync.pause_destination(${job.id}::bigint, ${job.leaseToken}::uuid,
        ${Math.round(pause.delayMs)}::int, ${pause.errorClass}, ${pause.reason}) as ok`);
  }

  /** Hands the job back without counting an attempt (ehr_sync.release). */
  release(job: QueueJob): Promise<boolean> {
    return flag(this.sql<{ ok: boolean }[]>`
      select ehr_sync.release(${job.id}::bigint, ${job.leaseToken}::uuid) as ok`);
  }

  async ehrIdFor(patientKey: string): Promise<string | null> {
    const rows = await this.sql<{ ehr_id: string }[]>`
      select ehr_id::text from ehr_sync.patient_ehr where patient_key = ${patientKey}`;
    return rows[0]?.ehr_id ?? null;
  }

  async rememberEhr(patientKey: string, ehrId: string): Promise<void> {
    await this.sql`select ehr_sync.remember_ehr(${patientKey}, ${ehrId}::uuid)`;
  }
}
