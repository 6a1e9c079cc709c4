/**
 * Job states of the sync queue and the only transitions allowed between them.
 * The SQL store mirrors this table; every UPDATE is a compare-and-set on the source state.
 */
import {
  FINISHED_QUEUE_STATES,
  QUEUE_STATES,
  type QueueState,
  UNFINISHED_QUEUE_STATES,
} from "../vocabulary.js";

export type JobState = QueueState;

export const JOB_STATES: readonly JobState[] = QUEUE_STATES;

/** Terminal states absorb: nothing leaves them, except the audited operator requeue dead → pending. */
export const TERMINAL_STATES: readonly JobState[] = FINISHED_QUEUE_STATES;

/** States that still owe work; strict ordering waits on these (dead does not, so bad input never blocks a patient). */
export const ACTIVE_STATES: readonly JobState[] = UNFINISHED_QUEUE_STATES;

export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  // claim; supersede (a newer version of the same note carries the content)
  pending: ["leased", "succeeded"],
  // complete; retry; dead; release/rescue/destination pause put the job back without a terminal outcome
  leased: ["succeeded", "retry_scheduled", "dead", "pending"],
  // claim when due; supersede
  retry_scheduled: ["leased", "succeeded"],
  succeeded: [],
  // operator requeue only (audited by the store), never automatic
  dead: ["pending"],
};

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function isActive(state: JobState): boolean {
  return ACTIVE_STATES.includes(state);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  readonly from: JobState;
  readonly to: JobState;
  constructor(from: JobState, to: JobState, action?: string) {
    const allowed = TRANSITIONS[from];
    super(
      `Invalid job transition ${from} → ${to}${action ? ` (${action})` : ""}; allowed from ${from}: ${
        allowed.length > 0 ? allowed.join(", ") : "none (terminal)"
      }`,
    );
    this.name = "InvalidTransitionError";
    this.from = from;
    this.to = to;
  }
}

export function assertTransition(from: JobState, to: JobState, action?: string): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, action);
}
