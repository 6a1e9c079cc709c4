/**
 * The options of a continuous worker that do not depend on how the queue or EHRbase is reached, their
 * defaults and their validation. An adapter's options extend ContinuousWorkerOptions.
 */
import type { CustomMapping } from "../mapping/custom-mapping.js";
import type { RetryPolicy } from "../queue/backoff.js";
import type { JobFinishedEvent } from "./job-outcome-report.js";

export interface ContinuousWorkerOptions {
  /** EHRbase deliveries in flight at once (default 4). */
  concurrency?: number;
  /**
   * Jobs claimed per round trip (default 10). The worker keeps up to this many claimed ahead of the
   * running ones (leases heartbeating), so other workers cannot take them meanwhile; 1 turns it off.
   */
  batchSize?: number;
  /** Lease length; heartbeats renew it every third of it (default 60 s). */
  leaseSeconds?: number;
  /** Polling fallback when no wake-up arrives (default 5 s). */
  pollIntervalMs?: number;
  /** On stop: how long in-flight jobs may finish before their leases are released (default 10 s). */
  shutdownTimeoutMs?: number;
  /** Bring your own template mapping (default: the shipped SOAP mapping). */
  // biome-ignore lint/suspicious/noExplicitAny: the worker is agnostic of the mapping's input type
  mapping?: CustomMapping<any>;
  /** Queued payload → mapping input (default: the reference soap_notes row → SoapNote). */
  toInput?: (payload: unknown) => unknown;
  /**
   * Retry limits and backoff (default: core's DEFAULT_RETRY_POLICY). maxAttempts and maxAgeMs are
   * also written to ehr_sync.destination at start, where lease rescue applies them to jobs whose
   * worker was lost.
   */
  retryPolicy?: RetryPolicy;
  /** Called after every job with its outcome (progress bars, tests). */
  onJobFinished?: (event: JobFinishedEvent) => void;
}

export interface WorkerSettings {
  concurrency: number;
  batchSize: number;
  leaseSeconds: number;
  pollIntervalMs: number;
  shutdownTimeoutMs: number;
}

/** The numeric settings with their defaults; a bad value throws naming the field (and `caller`). */
export function workerSettings(options: ContinuousWorkerOptions, caller = "createWorker"): WorkerSettings {
  const positiveInteger = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${caller}: ${name} must be a positive integer, got ${String(value)}`);
    }
    return value;
  };
  return {
    concurrency: positiveInteger("concurrency", options.concurrency, 4),
    batchSize: positiveInteger("batchSize", options.batchSize, 10),
    leaseSeconds: positiveInteger("leaseSeconds", options.leaseSeconds, 60),
    pollIntervalMs: positiveInteger("pollIntervalMs", options.pollIntervalMs, 5_000),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
  };
}
