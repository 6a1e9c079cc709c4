/**
 * Per-patient ordering policies as pure decisions. The store mirrors them in its claim query
 * (claimableJobs) and its enqueue statement (onEnqueue).
 *
 * - strict: a job is claimable only if no OLDER job (lower sequence) of the same patient is active
 *   (pending, leased, retry_scheduled). Dead jobs do not block: bad input never holds a patient's
 *   later notes hostage; the dead job stays visible for an operator.
 * - supersede: per note, a newer version replaces an older one that is not leased yet (the older job
 *   ends succeeded with supersededBy, so nothing is lost: the newer job carries the content). An older
 *   version that is leased finishes first; the newer waits while any older version of the note is active.
 *   Different notes of a patient are independent.
 * - independent: no ordering constraint; every due pending/retry_scheduled job is claimable.
 */
import { isActive, type JobState } from "./states.js";

export type OrderingPolicy = "strict" | "supersede" | "independent";

export const ORDERING_POLICIES: readonly OrderingPolicy[] = ["strict", "supersede", "independent"];

/** The fields ordering needs; a Job satisfies it. */
export interface OrderingJob {
  id: string;
  patientKey: string;
  noteKey: string;
  noteVersion: number;
  sequence: number;
  state: JobState;
  runAt: number;
}

export type EnqueueDecision =
  | { type: "none" }
  /** Mark these jobs succeeded, superseded by supersededBy. May include the new job itself when it is older than an active version. */
  | { type: "supersede"; jobIds: string[]; supersededBy: string };

function isWaiting(state: JobState): boolean {
  return state === "pending" || state === "retry_scheduled";
}

/** True if `job` may be claimed now under `policy`, given every job it could be ordered behind. */
export function isClaimable(
  job: OrderingJob,
  others: readonly OrderingJob[],
  policy: OrderingPolicy,
  now: number,
): boolean {
  if (!isWaiting(job.state) || job.runAt > now) return false;
  switch (policy) {
    case "independent":
      return true;
    case "strict":
      return !others.some(
        (o) =>
          o.id !== job.id &&
          o.patientKey === job.patientKey &&
          o.sequence < job.sequence &&
          isActive(o.state),
      );
    case "supersede":
      return !others.some(
        (o) =>
          o.id !== job.id &&
          o.patientKey === job.patientKey &&
          o.noteKey === job.noteKey &&
          o.sequence < job.sequence &&
          isActive(o.state),
      );
  }
}

/** Jobs that may be claimed now, oldest first. */
export function claimableJobs<J extends OrderingJob>(
  jobs: readonly J[],
  policy: OrderingPolicy,
  now: number,
): J[] {
  return jobs.filter((j) => isClaimable(j, jobs, policy, now)).sort((a, b) => a.sequence - b.sequence);
}

/**
 * Decision when `newJob` is enqueued, given the existing jobs of the same note (others are ignored).
 * Only supersede acts; strict and independent keep every version (each is synced in order / freely).
 */
export function onEnqueue(
  existingJobsForNote: readonly OrderingJob[],
  newJob: OrderingJob,
  policy: OrderingPolicy,
): EnqueueDecision {
  if (policy !== "supersede") return { type: "none" };
  const sameNote = existingJobsForNote.filter(
    (j) =>
      j.id !== newJob.id &&
      j.noteKey === newJob.noteKey &&
      j.patientKey === newJob.patientKey &&
      isActive(j.state),
  );
  const newerActive = sameNote.filter((j) => j.noteVersion > newJob.noteVersion);
  if (newerActive.length > 0) {
    // Arrived out of order: a newer version is already queued, so this stale one is superseded at once.
    const newest = newerActive.reduce((a, b) => (b.noteVersion > a.noteVersion ? b : a));
    return { type: "supersede", jobIds: [newJob.id], supersededBy: newest.id };
  }
  const replaceable = sameNote
    .filter((j) => j.noteVersion <= newJob.noteVersion && isWaiting(j.state))
    .map((j) => j.id);
  return replaceable.length > 0
    ? { type: "supersede", jobIds: replaceable, supersededBy: newJob.id }
    : { type: "none" };
}
