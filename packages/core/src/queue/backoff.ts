/**
 * The one backoff rule of ehr-sync: min(cap, base·2^(attempt-1)), optionally jittered. The queue's
 * retry policy, the EHRbase client's retries and the Node worker's database reconnects all use it.
 * Full jitter spreads retries of many jobs that failed together (e.g. an EHRbase restart) so they
 * don't return as one storm. This file imports nothing: it is also published as
 * `@ehr-sync/core/backoff`, which the client bundles without pulling in the rest of core.
 */

/**
 * "none": exactly the ceiling (a predictable schedule, e.g. one connection reconnecting).
 * "full": uniform in [0, ceiling] (many jobs retrying at once).
 * "equal": uniform in [ceiling/2, ceiling] (must reliably grow, but several workers should not probe together).
 */
export type BackoffJitter = "none" | "full" | "equal";

export interface ExponentialBackoffOptions {
  /** Delay of the first attempt's ceiling, in ms. */
  baseMs: number;
  /** No delay exceeds this, in ms. */
  capMs: number;
  /** Default "none". */
  jitter?: BackoffJitter | undefined;
  /** Source of randomness in [0, 1) for the jitter; default Math.random. */
  random?: (() => number) | undefined;
}

/**
 * Delay in ms before retrying after `attempt` failures (1-based): min(cap, base·2^(attempt-1)), or a
 * whole number of ms within it when jittered.
 */
export function exponentialBackoffMs(attempt: number, options: ExponentialBackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  for (const field of ["baseMs", "capMs"] as const) {
    const value = options[field];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`exponentialBackoffMs: ${field} must be a finite number >= 0, got ${value}`);
    }
  }
  // Exponent clamped so 2^n never overflows to Infinity (2^1023 is the largest finite power).
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt - 1, 1000));
  const jitter = options.jitter ?? "none";
  if (jitter === "none") return ceiling;
  // Guard against a random source returning exactly 1 or out of range.
  const r = Math.min(Math.max((options.random ?? Math.random)(), 0), 1);
  return jitter === "full" ? Math.floor(r * ceiling) : Math.floor(ceiling / 2 + (r * ceiling) / 2);
}

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** Since first enqueue; past it the job is dead-lettered (visible) rather than retried forever. */
  maxAgeMs: number;
}

/**
 * 1 s base: the first retry of a blip is quick. 5 min cap: a signed note is never parked longer than
 * that between tries, which keeps sign→synced latency clinically useful once EHRbase is back.
 * 10 attempts: with the cap, ~15–25 min of real trying; systemic outages don't spend attempts, so
 * these are only per-job failures. 24 h max age: a note that could not sync within a day needs a human.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 10,
  maxAgeMs: 24 * 60 * 60_000,
});

function assertNonNegativeFinite(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`RetryPolicy.${name} must be a finite number >= 0, got ${value}`);
  }
}

export function assertRetryPolicy(policy: RetryPolicy): void {
  assertNonNegativeFinite("baseDelayMs", policy.baseDelayMs);
  assertNonNegativeFinite("maxDelayMs", policy.maxDelayMs);
  assertNonNegativeFinite("maxAgeMs", policy.maxAgeMs);
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`RetryPolicy.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
}

/** Upper bound of the jitter window for an attempt: min(cap, base·2^(attempt-1)). */
export function backoffCeilingMs(policy: RetryPolicy, attempt: number): number {
  return exponentialBackoffMs(attempt, { baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs });
}

/**
 * Delay before the next try after `attempt` attempts (1-based). Always within [0, maxDelayMs].
 * retryAfterMs (server's Retry-After) is a floor: we never come back sooner than asked, but it is
 * itself capped at maxDelayMs so one misbehaving header can't park a clinical note for hours; the
 * server answering 429/503 again just schedules another bounded wait.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  assertRetryPolicy(policy);
  const jittered = exponentialBackoffMs(attempt, {
    baseMs: policy.baseDelayMs,
    capMs: policy.maxDelayMs,
    jitter: "full",
    random,
  });
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0
      ? Math.min(Math.ceil(retryAfterMs), policy.maxDelayMs)
      : 0;
  return Math.min(Math.max(jittered, floor), policy.maxDelayMs);
}

/**
 * How long the destination stays paused after its `pauses`-th consecutive systemic failure (1-based):
 * the ceiling grows like the retry backoff, capped at `capMs`, with equal jitter (between half the
 * ceiling and the ceiling). Unlike a retry, a pause is a probe interval: it must reliably grow while
 * the destination stays broken (EHRbase sees a handful of probes, not one a second), and jitter only
 * spreads the probes of several workers. A Retry-After is a floor, itself capped.
 */
export function pauseDelayMs(
  policy: RetryPolicy,
  pauses: number,
  capMs: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const cap = Math.min(capMs, policy.maxDelayMs);
  const jittered = exponentialBackoffMs(Math.max(1, Math.floor(pauses)), {
    baseMs: policy.baseDelayMs,
    capMs: cap,
    jitter: "equal",
    random,
  });
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0
      ? Math.min(Math.ceil(retryAfterMs), cap)
      : 0;
  return Math.min(Math.max(jittered, floor), cap);
}
