/**
 * What the queue does after one attempt, from its classification. Pure: the worker passes the
 * clock and randomness in; the store applies the decision (job.ts is the model it mirrors).
 */
import {
  assertRetryPolicy,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  pauseDelayMs,
  type RetryPolicy,
} from "./backoff.js";
import type { Classification } from "./classify-outcome.js";

export type Decision =
  | { type: "complete"; versionUid?: string }
  | { type: "retry"; delayMs: number; reconcileFirst: boolean; errorClass: string; reason: string }
  /** reconcileBeforeRedrive: the last attempt was ambiguous, so the composition may exist already. */
  | { type: "dead"; errorClass: string; reason: string; reconcileBeforeRedrive?: boolean }
  | { type: "pause-destination"; delayMs: number; errorClass: string; reason: string; refundAttempt: true };

export interface DecideInput {
  /** Attempts made including this one (>= 1). */
  attempts: number;
  /** Epoch ms of the first enqueue of this job. */
  firstEnqueuedAt: number;
  now: number;
  classification: Classification;
  policy?: RetryPolicy;
  random?: () => number;
  /** Consecutive destination pauses including this one (>= 1); grows the probe interval. Default 1. */
  destinationPauses?: number;
  /** Version uid learnt on success (e.g. from ETag), carried into the complete decision. */
  versionUid?: string;
}

/**
 * Longest pause while EHRbase is unreachable: a refused connection costs nothing to probe, and the
 * backlog should move soon after EHRbase is back. Auth and template failures need a human and pause up
 * to the policy's maxDelayMs.
 */
export const UNREACHABLE_PAUSE_CAP_MS = 30_000;

/** Transient classes meaning the request never reached EHRbase. */
const UNREACHABLE = new Set(["network-before-send", "timeout-before-send"]);

export function decideAfterAttempt(input: DecideInput): Decision {
  const policy = input.policy ?? DEFAULT_RETRY_POLICY;
  assertRetryPolicy(policy);
  if (!Number.isInteger(input.attempts) || input.attempts < 1) {
    throw new RangeError(`DecideInput.attempts must be an integer >= 1, got ${input.attempts}`);
  }
  const { classification: c, random } = input;

  switch (c.outcome) {
    case "success":
      return input.versionUid === undefined
        ? { type: "complete" }
        : { type: "complete", versionUid: input.versionUid };

    case "permanent":
      // Dead at once, with the reason: bad input never blocks other work and never burns retries.
      return { type: "dead", errorClass: c.errorClass, reason: c.reason };

    case "systemic": {
      // Not this job's fault (auth, missing template): pause the destination, refund the attempt,
      // and ignore max attempts/age so an outage can't dead-letter a backlog of valid notes.
      return {
        type: "pause-destination",
        delayMs: pauseDelayMs(
          policy,
          input.destinationPauses ?? 1,
          policy.maxDelayMs,
          random,
          c.retryAfterMs,
        ),
        errorClass: c.errorClass,
        reason: c.reason,
        refundAttempt: true,
      };
    }

    case "transient":
    case "ambiguous": {
      // Nothing reached EHRbase (connection refused, connect timeout): the destination is down, not
      // this note. Like a systemic failure, pause the destination and refund the attempt, so a long
      // outage cannot dead-letter a backlog of valid notes; one probe per pause finds it back.
      if (c.outcome === "transient" && UNREACHABLE.has(c.errorClass)) {
        return {
          type: "pause-destination",
          delayMs: pauseDelayMs(
            policy,
            input.destinationPauses ?? 1,
            UNREACHABLE_PAUSE_CAP_MS,
            random,
            c.retryAfterMs,
          ),
          errorClass: c.errorClass,
          reason: c.reason,
          refundAttempt: true,
        };
      }
      const reconcileFirst = c.outcome === "ambiguous";
      if (input.attempts >= policy.maxAttempts) {
        return {
          type: "dead",
          errorClass: "max-attempts-exceeded",
          reason: `gave up after ${input.attempts} attempts; last: ${c.errorClass}: ${c.reason}`,
          ...(reconcileFirst ? { reconcileBeforeRedrive: true } : {}),
        };
      }
      const delayMs = backoffDelayMs(policy, input.attempts, random, c.retryAfterMs);
      // Dead if the next try would start past the max age: the deadline is a clinical SLA.
      if (input.now + delayMs - input.firstEnqueuedAt > policy.maxAgeMs) {
        return {
          type: "dead",
          errorClass: "max-age-exceeded",
          reason: `older than ${policy.maxAgeMs} ms; last: ${c.errorClass}: ${c.reason}`,
          ...(reconcileFirst ? { reconcileBeforeRedrive: true } : {}),
        };
      }
      return { type: "retry", delayMs, reconcileFirst, errorClass: c.errorClass, reason: c.reason };
    }
  }
}
