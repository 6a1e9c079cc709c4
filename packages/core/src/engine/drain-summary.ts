/**
 * What an invocation did. Counts and timings only: never a note, a patient or an
 * error text, so the summary is safe to log and to store in ehr_sync_supabase.run_log.
 */

export type StopReason = "queue_empty" | "deadline" | "cpu_budget" | "max_rounds";

export interface InvocationSummary {
  /** Items leased by this invocation. */
  claimed: number;
  /** Items the first claim found (a doorbell run that found its note at once shows >= 1). */
  firstClaim: number;
  /** Whether the first claim included a job the doorbell rang for (null: it rang for none). */
  firstClaimRungFor: boolean | null;
  /** Items whose composition is in EHRbase (created now or found from an earlier attempt). */
  succeeded: number;
  /** Items that failed this time and are scheduled to be tried again. */
  retried: number;
  /** Items that will not be retried (dead letter). */
  dead: number;
  /** Items handed back unfinished, without an attempt counted, because the deadline came. */
  released: number;
  /** Items another invocation had already taken over (lease lost); nothing was written for them. */
  skipped: number;
  /** Items the engine could not finish for an unexpected reason (their lease simply expires). */
  errors: number;
  rounds: number;
  stoppedBecause: StopReason;
  durations: {
    totalMs: number;
    budgetMs: number;
    /** Milliseconds from the request's arrival to the moment no new claim may start. */
    deadlineMs: number;
    claimMs: number;
    releaseMs: number;
    itemMsP50: number | null;
    itemMsMax: number | null;
  };
}

export class SummaryBuilder {
  claimed = 0;
  firstClaim: number | undefined;
  firstClaimRungFor: boolean | null = null;
  succeeded = 0;
  retried = 0;
  dead = 0;
  released = 0;
  skipped = 0;
  errors = 0;
  rounds = 0;
  claimMs = 0;
  releaseMs = 0;
  stoppedBecause: StopReason = "queue_empty";
  private readonly itemMs: number[] = [];

  recordItemDuration(ms: number): void {
    this.itemMs.push(ms);
  }

  build(timing: { totalMs: number; budgetMs: number; deadlineMs: number }): InvocationSummary {
    const sorted = [...this.itemMs].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms);
    return {
      claimed: this.claimed,
      firstClaim: this.firstClaim ?? 0,
      firstClaimRungFor: this.firstClaimRungFor,
      succeeded: this.succeeded,
      retried: this.retried,
      dead: this.dead,
      released: this.released,
      skipped: this.skipped,
      errors: this.errors,
      rounds: this.rounds,
      stoppedBecause: this.stoppedBecause,
      durations: {
        totalMs: round(timing.totalMs),
        budgetMs: round(timing.budgetMs),
        deadlineMs: round(timing.deadlineMs),
        claimMs: round(this.claimMs),
        releaseMs: round(this.releaseMs),
        itemMsP50: sorted.length ? round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) : null,
        itemMsMax: sorted.length ? round(sorted[sorted.length - 1] ?? 0) : null,
      },
    };
  }
}
