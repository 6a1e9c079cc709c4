import type { ContinuousWorkerOptions } from "@ehr-sync/core";
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

/** The Node worker's options: core's ContinuousWorkerOptions plus how PostgreSQL and EHRbase are reached. */
export interface WorkerOptions extends ContinuousWorkerOptions {
  /** PostgreSQL connection string (the database holding the ehr_sync schema). */
  databaseUrl?: string;
  /** Same as databaseUrl (pg's name for it); one of the two is required. */
  connectionString?: string;
  /** EHRbase connection, or a ready EhrbaseClient. */
  ehrbase: EhrbaseConnection | EhrbaseClient;
  /** Use LISTEN/NOTIFY wake-ups (default true; turn off behind a transaction-mode pooler). */
  listen?: boolean;
  listenerHealthCheckMs?: number;
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
}
