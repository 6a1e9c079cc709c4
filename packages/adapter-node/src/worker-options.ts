import type { CustomMapping, RetryPolicy } from "@ehr-sync/core";
import type { EhrbaseAuth, EhrbaseClient } from "@ehr-sync/ehrbase-client";
import type pg from "pg";
import type { Logger } from "./logger.js";
import type { WorkerMetrics } from "./metrics.js";

interface EhrbaseEndpoint {
  /** e.g. http://127.0.0.1:8085/ehrbase (the openEHR REST base is derived). */
  baseUrl: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** EHRbase's system id; read from the server when not given. */
  systemId?: string;
}

/**
 * Where EHRbase is and how to sign in: any `EhrbaseAuth` of @ehr-sync/ehrbase-client (basic, bearer,
 * OAuth2 client credentials), or `username` + `password` as a shorthand for basic auth.
 */
export type EhrbaseConnection = EhrbaseEndpoint &
  (
    | { auth: EhrbaseAuth; username?: never; password?: never }
    | { username: string; password: string; auth?: never }
  );

export interface WorkerOptions {
  /** PostgreSQL connection string (the database holding the ehr_sync schema). */
  databaseUrl?: string;
  /** Same as databaseUrl (pg's name for it); one of the two is required. */
  connectionString?: string;
  /** EHRbase connection, or a ready EhrbaseClient. */
  ehrbase: EhrbaseConnection | EhrbaseClient;
  /** EHRbase deliveries in flight at once (default 4). */
  concurrency?: number;
  /**
   * Jobs claimed per round trip (default 10). The worker keeps up to this many claimed ahead of the
   * running ones (leases heartbeating), so other workers cannot take them meanwhile; 1 turns it off.
   */
  batchSize?: number;
  /** Lease length; heartbeats renew it every third of it (default 60 s). */
  leaseSeconds?: number;
  /** Polling fallback when no notification arrives (default 5 s). */
  pollIntervalMs?: number;
  /** Use LISTEN/NOTIFY wake-ups (default true; turn off behind a transaction-mode pooler). */
  listen?: boolean;
  listenerHealthCheckMs?: number;
  /** On stop: how long in-flight jobs may finish before their leases are released (default 10 s). */
  shutdownTimeoutMs?: number;
  /**
   * Longest a statement of this worker may run (PostgreSQL statement_timeout, default 30 s): a stuck
   * statement fails and is retried instead of holding a connection forever.
   */
  statementTimeoutMs?: number;
  /**
   * Longest a statement waits for a lock (PostgreSQL lock_timeout, default 5 s). ehr-sync never waits
   * for the app's note rows (a locked row's status is written later), so this only bounds the rare
   * wait on another worker.
   */
  lockTimeoutMs?: number;
  /** How long a statement is retried while PostgreSQL is unreachable (default 60 s). */
  databaseRetryMs?: number;
  /** Appears in the attempt log (default host:pid:random). */
  workerId?: string;
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
  /** Upload the shipped template at start if missing (default true with the shipped mapping). */
  ensureTemplate?: boolean;
  logger?: Logger;
  metrics?: WorkerMetrics;
  /** Serve GET /metrics (Prometheus) on this port while the worker runs (0 picks a free port). */
  metricsPort?: number;
  /** Interface for the metrics server (default 127.0.0.1; "0.0.0.0" exposes it to the network). */
  metricsHost?: string;
  /** Pool settings merged over the defaults (max = concurrency + 2). */
  pool?: Partial<pg.PoolConfig>;
  /** Called after every job with its outcome (progress bars, tests). */
  onJobFinished?: (event: JobFinishedEvent) => void;
}

export interface JobFinishedEvent {
  jobId: string;
  outcome: "succeeded" | "retry" | "dead" | "paused" | "fenced" | "error";
  errorClass?: string;
  /** Seconds from enqueue to confirmation (succeeded only). */
  latencySeconds?: number;
}

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`createWorker: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
