/**
 * The names of a job's fate, once. The queue's truth is SQL (packages/core/sql); these constants are
 * the same words, checked against a freshly migrated database by test/vocabulary.test.ts. See
 * docs/vocabulary.md for where each name appears and why the app-facing status differs.
 */

/** A job's state in `ehr_sync.queue.state` (the CHECK constraint of 0001, same order). */
export const QUEUE_STATES = ["pending", "leased", "succeeded", "retry_scheduled", "dead"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** States that still owe work (strict ordering waits on them; `dead` never blocks a patient). */
export const UNFINISHED_QUEUE_STATES = [
  "pending",
  "leased",
  "retry_scheduled",
] as const satisfies readonly QueueState[];

/** Finished states: nothing leaves them but an operator's requeue of `dead`. */
export const FINISHED_QUEUE_STATES = ["succeeded", "dead"] as const satisfies readonly QueueState[];

/**
 * What ehr-sync writes to the app's note row (`ehr_sync_status`). The app sees three answers only:
 * still on its way, in EHRbase, or needs a human. Waiting for a retry is "pending" too: a UI has
 * nothing different to do about it (no "retrying" is ever written).
 */
export const APP_SYNC_STATUSES = ["pending", "completed", "failed"] as const;
export type AppSyncStatus = (typeof APP_SYNC_STATUSES)[number];

/** The app-facing status of a queue state; the same mapping as SQL's `ehr_sync.app_status(state)`. */
export function appStatusOf(state: QueueState): AppSyncStatus {
  switch (state) {
    case "succeeded":
      return "completed";
    case "dead":
      return "failed";
    case "pending":
    case "leased":
    case "retry_scheduled":
      return "pending";
  }
}

/** The class of one attempt's result, as logged in `ehr_sync.attempts.outcome`. */
export const ATTEMPT_OUTCOMES = ["success", "permanent", "ambiguous", "transient", "systemic"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * What the engine did with a job after one attempt (`JobOutcome.type`, the worker's metrics label):
 * delivered, rescheduled, dead-lettered, destination paused, or lease lost before anything was written.
 */
export const JOB_RESULTS = ["succeeded", "retry", "dead", "paused", "fenced"] as const;
export type JobResult = (typeof JOB_RESULTS)[number];
