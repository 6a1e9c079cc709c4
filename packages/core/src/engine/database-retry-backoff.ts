/**
 * How long the worker waits before trying the database again after its claim or its wake-up
 * (LISTEN) connection failed: 0.5 s, 1 s, 2 s … capped at 10 s. One predictable schedule, no jitter:
 * each worker has one such connection, and the first retry of a blip should come quickly.
 */
import { exponentialBackoffMs } from "../queue/backoff.js";

export const DATABASE_RETRY_BACKOFF = Object.freeze({ baseMs: 500, capMs: 10_000 });

/** Delay in ms after the `failures`-th consecutive failure (1-based). */
export function databaseRetryDelayMs(failures: number): number {
  return exponentialBackoffMs(failures, DATABASE_RETRY_BACKOFF);
}
