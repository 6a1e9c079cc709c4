/**
 * The pure Job record and its transitions. The SQL store mirrors these functions one UPDATE each,
 * guarded by the source state (and lease token); tests drive them to prove the queue invariants.
 * Every function returns a new Job and never drops one: a job only changes state.
 */
import type { Decision } from "./decide.js";
import { assertTransition, type JobState } from "./states.js";

export interface Job {
  id: string;
  /** Opaque per-patient key (e.g. EHR id); never a name or identifier in clear. */
  patientKey: string;
  /** Identifies the note across versions; supersede compares versions of the same noteKey. */
  noteKey: string;
  noteVersion: number;
  /** Enqueue sequence, increasing across all jobs; defines "older" for ordering. */
  sequence: number;
  state: JobState;
  /** Attempts spent in total. Never decreases; a destination pause or a release spends none. */
  attempts: number;
  firstEnqueuedAt: number;
  /** Not claimable before this (epoch ms). */
  runAt: number;
  /** Max-attempts/age budget restarts here after an operator requeue (attempts itself keeps counting). */
  attemptsAtWindowStart: number;
  windowStartedAt: number;
  /** The next attempt must look the composition up before any resend. */
  reconcileFirst: boolean;
  leaseToken?: string;
  leaseExpiresAt?: number;
  lastErrorClass?: string;
  lastError?: string;
  versionUid?: string;
  /** Set when the job ended succeeded because a newer version of the same note carries the content. */
  supersededBy?: string;
  requeues: number;
  updatedAt: number;
}

export interface NewJob {
  id: string;
  patientKey: string;
  noteKey: string;
  noteVersion: number;
  sequence: number;
  now: number;
}

export function createJob(input: NewJob): Job {
  for (const field of ["id", "patientKey", "noteKey"] as const) {
    if (typeof input[field] !== "string" || input[field].length === 0) {
      throw new TypeError(`NewJob.${field} must be a non-empty string`);
    }
  }
  for (const field of ["noteVersion", "sequence", "now"] as const) {
    if (!Number.isFinite(input[field])) throw new TypeError(`NewJob.${field} must be a finite number`);
  }
  return {
    id: input.id,
    patientKey: input.patientKey,
    noteKey: input.noteKey,
    noteVersion: input.noteVersion,
    sequence: input.sequence,
    state: "pending",
    attempts: 0,
    firstEnqueuedAt: input.now,
    runAt: input.now,
    attemptsAtWindowStart: 0,
    windowStartedAt: input.now,
    reconcileFirst: false,
    requeues: 0,
    updatedAt: input.now,
  };
}

/** Attempts and age origin to feed decideAfterAttempt for the attempt that just ended. */
export function retryBudgetFor(job: Job): { attempts: number; firstEnqueuedAt: number } {
  return { attempts: job.attempts - job.attemptsAtWindowStart + 1, firstEnqueuedAt: job.windowStartedAt };
}

function withoutLease(job: Job): Job {
  const { leaseToken: _t, leaseExpiresAt: _e, ...rest } = job;
  return rest;
}

/** pending/retry_scheduled → leased. The attempt is counted when its outcome is applied, not here. */
export function claimJob(job: Job, now: number, leaseToken: string, leaseMs: number): Job {
  assertTransition(job.state, "leased", "claim");
  if (job.runAt > now) throw new RangeError(`job ${job.id} is not due until ${job.runAt}`);
  if (!(leaseMs > 0)) throw new RangeError(`leaseMs must be > 0, got ${leaseMs}`);
  return { ...job, state: "leased", leaseToken, leaseExpiresAt: now + leaseMs, updatedAt: now };
}

/** Applies the outcome of the attempt made under the current lease. */
export function applyDecision(job: Job, decision: Decision, now: number): Job {
  const base = withoutLease(job);
  switch (decision.type) {
    case "complete": {
      assertTransition(job.state, "succeeded", "complete");
      const next: Job = {
        ...base,
        state: "succeeded",
        attempts: job.attempts + 1,
        reconcileFirst: false,
        updatedAt: now,
      };
      return decision.versionUid === undefined ? next : { ...next, versionUid: decision.versionUid };
    }
    case "retry":
      assertTransition(job.state, "retry_scheduled", "retry");
      return {
        ...base,
        state: "retry_scheduled",
        attempts: job.attempts + 1,
        runAt: now + decision.delayMs,
        // Once ambiguous, stay ambiguous until a reconcile resolves it: a later transient failure
        // does not prove the earlier send was lost.
        reconcileFirst: job.reconcileFirst || decision.reconcileFirst,
        lastErrorClass: decision.errorClass,
        lastError: decision.reason,
        updatedAt: now,
      };
    case "dead":
      assertTransition(job.state, "dead", "dead-letter");
      return {
        ...base,
        state: "dead",
        attempts: job.attempts + 1,
        reconcileFirst: job.reconcileFirst || decision.reconcileBeforeRedrive === true,
        lastErrorClass: decision.errorClass,
        lastError: decision.reason,
        updatedAt: now,
      };
    case "pause-destination":
      // Back to pending without spending an attempt; the store also pauses the destination.
      assertTransition(job.state, "pending", "pause-destination");
      return {
        ...base,
        state: "pending",
        runAt: now + decision.delayMs,
        lastErrorClass: decision.errorClass,
        lastError: decision.reason,
        updatedAt: now,
      };
  }
}

/** Graceful shutdown before sending: leased → pending, no attempt spent. */
export function releaseJob(job: Job, now: number): Job {
  assertTransition(job.state, "pending", "release");
  return { ...withoutLease(job), state: "pending", runAt: now, updatedAt: now };
}

/**
 * Lease expired (worker crashed or hung): the request may have been sent, so the attempt counts
 * and the next one reconciles first.
 */
export function rescueExpiredLease(job: Job, now: number): Job {
  assertTransition(job.state, "pending", "rescue");
  if (job.leaseExpiresAt !== undefined && job.leaseExpiresAt > now) {
    throw new RangeError(`lease of job ${job.id} has not expired yet`);
  }
  return {
    ...withoutLease(job),
    state: "pending",
    attempts: job.attempts + 1,
    runAt: now,
    reconcileFirst: true,
    lastErrorClass: "lease-expired",
    lastError: "lease expired before the attempt reported",
    updatedAt: now,
  };
}

/** A newer version of the same note was enqueued while this one was not leased. */
export function supersedeJob(job: Job, supersededBy: string, now: number): Job {
  assertTransition(job.state, "succeeded", "supersede");
  if (job.state === "leased") throw new RangeError(`job ${job.id} is leased and cannot be superseded`);
  return { ...job, state: "succeeded", supersededBy, updatedAt: now };
}

/**
 * Operator redrive of a dead job (audited by the store): a fresh attempt and age budget; attempts
 * keeps its total so it never decreases; reconcileFirst is kept if the last attempt was ambiguous.
 */
export function requeueDeadJob(job: Job, now: number): Job {
  assertTransition(job.state, "pending", "requeue");
  if (job.state !== "dead")
    throw new RangeError(`only dead jobs can be requeued; job ${job.id} is ${job.state}`);
  return {
    ...job,
    state: "pending",
    runAt: now,
    attemptsAtWindowStart: job.attempts,
    windowStartedAt: now,
    requeues: job.requeues + 1,
    updatedAt: now,
  };
}
