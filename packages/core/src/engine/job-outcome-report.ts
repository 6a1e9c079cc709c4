/**
 * What a continuous worker tells about each finished job: the run's counters, one log line, and the
 * caller's `onJobFinished` event (metrics, progress bars, tests).
 */
import type { QueueJob } from "./ports.js";
import type { JobOutcome } from "./process-job.js";
import { errorCode, type WorkerLogger } from "./worker-logger.js";

export interface RunSummary {
  succeeded: number;
  retried: number;
  dead: number;
  paused: number;
  fenced: number;
  errors: number;
}

export interface JobFinishedEvent {
  jobId: string;
  outcome: "succeeded" | "retry" | "dead" | "paused" | "fenced" | "error";
  errorClass?: string;
  /** Seconds from enqueue to confirmation (succeeded only). */
  latencySeconds?: number;
}

export interface JobOutcomeReport {
  readonly summary: RunSummary;
  outcome(job: QueueJob, outcome: JobOutcome): void;
  /** The store failed past its retry window: the job is left to lease rescue. */
  storeFailure(job: QueueJob, error: unknown): void;
}

export function jobOutcomeReport(
  logger: WorkerLogger,
  onJobFinished: (event: JobFinishedEvent) => void = () => {},
  now: () => number = Date.now,
): JobOutcomeReport {
  const summary: RunSummary = { succeeded: 0, retried: 0, dead: 0, paused: 0, fenced: 0, errors: 0 };
  return {
    summary,
    outcome(job, outcome) {
      const base = { event: "job_finished", job: job.id, version: job.noteVersion, outcome: outcome.type };
      switch (outcome.type) {
        case "succeeded": {
          summary.succeeded += 1;
          const latencySeconds = Math.max(0, (now() - job.enqueuedAt.getTime()) / 1000);
          logger.info({ ...base, action: outcome.action, latencyMs: Math.round(latencySeconds * 1000) });
          onJobFinished({ jobId: job.id, outcome: "succeeded", latencySeconds });
          return;
        }
        case "retry":
          summary.retried += 1;
          logger.warn({ ...base, errorClass: outcome.errorClass, delayMs: outcome.delayMs });
          onJobFinished({ jobId: job.id, outcome: "retry", errorClass: outcome.errorClass });
          return;
        case "dead":
          summary.dead += 1;
          logger.error({ ...base, errorClass: outcome.errorClass, reason: outcome.reason });
          onJobFinished({ jobId: job.id, outcome: "dead", errorClass: outcome.errorClass });
          return;
        case "paused":
          summary.paused += 1;
          logger.warn(
            { ...base, errorClass: outcome.errorClass, delayMs: outcome.delayMs },
            "destination paused",
          );
          onJobFinished({ jobId: job.id, outcome: "paused", errorClass: outcome.errorClass });
          return;
        case "fenced":
          summary.fenced += 1;
          logger.warn({ ...base }, "lease lost to another worker; result not written");
          onJobFinished({ jobId: job.id, outcome: "fenced" });
          return;
      }
    },
    storeFailure(job, error) {
      summary.errors += 1;
      logger.error({ event: "job_error", job: job.id, code: errorCode(error) }, "left to lease rescue");
      onJobFinished({ jobId: job.id, outcome: "error" });
    },
  };
}
