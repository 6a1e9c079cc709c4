/**
 * The engine's QueueStore on `pg`: each method delegates to the one-file-per-operation modules here,
 * each one SQL function call of packages/core/sql. Completions are grouped (CompletionBatcher); a
 * patient's EHR id usually arrives with the claimed job (claim_batch), so look-ups are rare.
 */
import type { AttemptRecord, QueueJob, QueueStore } from "@ehr-sync/core";
import { buryJob } from "./bury-job.js";
import { CompletionBatcher, type CompletionBatcherOptions } from "./completion-batcher.js";
import type { Db } from "./db.js";
import { ehrIdFor, rememberEhr } from "./patient-ehr.js";
import { pauseDestination } from "./pause-destination.js";
import { recordAttempt } from "./record-attempt.js";
import { releaseJob } from "./release-job.js";
import { rescheduleJob } from "./reschedule-job.js";

export function pgQueueStore(db: Db, workerId: string, options: CompletionBatcherOptions = {}): QueueStore {
  const completions = new CompletionBatcher(db, workerId, options);
  return {
    recordAttempt: (job: QueueJob, attempt: AttemptRecord) => recordAttempt(db, workerId, job, attempt),
    complete: (job, delivery) => completions.complete(job, delivery),
    reschedule: (job, retry) => rescheduleJob(db, job, retry),
    bury: (job, failure) => buryJob(db, job, failure),
    pauseDestination: (job, pause) => pauseDestination(db, job, pause),
    release: (job) => releaseJob(db, job),
    ehrIdFor: (patientKey) => ehrIdFor(db, patientKey),
    rememberEhr: (patientKey, ehrId) => rememberEhr(db, patientKey, ehrId),
  };
}
