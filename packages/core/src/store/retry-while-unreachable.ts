/**
 * Retries a statement while PostgreSQL is unreachable (restart, failover, network cut), for a bounded
 * time. Safe because every queue operation is fenced by its lease token: if a first try committed
 * but its answer was lost, the retry finds the lease gone and answers `false`, nothing more.
 * Driver-agnostic: it reads only the error's `code` (SQLSTATE or the socket's) and message.
 */
import { exponentialBackoffMs } from "../queue/backoff.js";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/** 100 ms doubling to 2 s: quick over a blip, gentle during a failover. */
const RECONNECT_BACKOFF = { baseMs: 100, capMs: 2_000 } as const;

/** Connection-level failures: class 08 (connection exception), 57P01-03 (shutdown, cannot connect now). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (CONNECTION_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code)) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

export interface RetryWhileUnreachableOptions {
  /** Give up (rethrow) once the next wait would end past this many ms after the first try. */
  maxWaitMs: number;
  onRetry?: (error: unknown) => void;
}

export async function retryWhileUnreachable<T>(
  run: () => Promise<T>,
  options: RetryWhileUnreachableOptions,
): Promise<T> {
  const deadline = Date.now() + options.maxWaitMs;
  for (let retry = 1; ; retry += 1) {
    try {
      return await run();
    } catch (error) {
      const delay = exponentialBackoffMs(retry, RECONNECT_BACKOFF);
      if (!isConnectionError(error) || Date.now() + delay > deadline) throw error;
      options.onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
