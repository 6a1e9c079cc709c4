/**
 * The invocation loop: claim a round sized to the budget, process it with bounded concurrency, repeat
 * until the queue is empty or the budget is spent; then hand back whatever is unfinished without
 * counting an attempt. Independent of how the queue is reached (direct SQL or supabase-js RPC).
 */

import type { Deadline } from "./deadline.js";
import { type StopReason, SummaryBuilder } from "./drain-summary.js";
import type { InvocationBudget } from "./invocation-budget.js";

export type ItemOutcome = "succeeded" | "retried" | "dead" | "skipped";

export interface DrainPorts<Job> {
  /** Leases up to `limit` runnable items for `leaseSeconds`, those from `preferFromId` on first. */
  claim(limit: number, leaseSeconds: number, preferFromId?: string): Promise<Job[]>;
  /** The item's queue id (a bigint, as text). */
  idOf(job: Job): string;
  /** Runs one item through the sync engine; EHRbase calls are cancelled when `signal` fires. */
  process(job: Job, signal: AbortSignal): Promise<ItemOutcome>;
  /** Hands items back to the queue without counting an attempt; returns how many were released. */
  release(jobs: Job[]): Promise<number>;
}

export interface DrainSettings {
  concurrency: number;
  /** A claim shorter than this is not worth making (the item could not finish in time). */
  minLeaseSeconds: number;
  /**
   * After a doorbell, keep looking for work this long before giving up. 0 with pg_net, which sends
   * only after the enqueueing transaction committed; only a caller that rings earlier needs more.
   */
  settleMs: number;
  settlePollMs: number;
  /** The smallest queue id the doorbell rang for: claimed ahead of any backlog until work is found. */
  preferFromId?: string;
  /** Told what the first claim found, as soon as it is known (the run's record shows it while running). */
  onFirstClaim?: (claimed: number, rungFor: boolean | null) => Promise<void>;
  cpuMs: () => number | undefined;
}

export async function drainQueue<Job>(
  ports: DrainPorts<Job>,
  budget: InvocationBudget,
  deadline: Deadline,
  settings: DrainSettings,
): Promise<SummaryBuilder> {
  const summary = new SummaryBuilder();
  const unfinished: Job[] = [];
  let claimedAnything = false;
  for (;;) {
    const size = budget.nextBatchSize(settings.concurrency);
    const leaseSeconds = budget.leaseSecondsNow();
    if (deadline.signal.aborted || leaseSeconds < settings.minLeaseSeconds) {
      summary.stoppedBecause = "deadline";
      break;
    }
    if (size === 0) {
      summary.stoppedBecause = stopReasonForEmptyBatch(budget);
      break;
    }
    const claimStarted = performance.now();
    const preferFromId = claimedAnything ? undefined : settings.preferFromId;
    const jobs = await ports.claim(size, leaseSeconds, preferFromId);
    summary.claimMs += performance.now() - claimStarted;
    if (summary.firstClaim === undefined) {
      summary.firstClaim = jobs.length;
      if (preferFromId !== undefined) {
        const from = BigInt(preferFromId);
        summary.firstClaimRungFor = jobs.some((job) => BigInt(ports.idOf(job)) >= from);
      }
      await settings.onFirstClaim?.(jobs.length, summary.firstClaimRungFor);
    }
    if (jobs.length === 0) {
      if (!claimedAnything && budget.elapsedMs() + settings.settlePollMs < settings.settleMs) {
        await sleep(settings.settlePollMs, deadline.signal);
        continue;
      }
      summary.stoppedBecause = "queue_empty";
      break;
    }
    claimedAnything = true;
    summary.rounds += 1;
    summary.claimed += jobs.length;
    await processRound(jobs, ports, budget, deadline, settings, summary, unfinished);
  }
  if (unfinished.length > 0) {
    const releaseStarted = performance.now();
    summary.released += await ports.release(unfinished);
    summary.releaseMs += performance.now() - releaseStarted;
  }
  return summary;
}

async function processRound<Job>(
  jobs: Job[],
  ports: DrainPorts<Job>,
  budget: InvocationBudget,
  deadline: Deadline,
  settings: DrainSettings,
  summary: SummaryBuilder,
  unfinished: Job[],
): Promise<void> {
  const cpuBefore = settings.cpuMs();
  const durations: number[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const job = jobs[next++];
      if (job === undefined) return;
      if (deadline.signal.aborted) {
        unfinished.push(job);
        continue;
      }
      const started = performance.now();
      // Whichever comes first: the engine's verdict, or the deadline (then the item is handed back).
      const outcome = await Promise.race([
        ports.process(job, deadline.signal).catch(() => "failed_unexpectedly" as const),
        deadline.reached.then(() => "deadline" as const),
      ]);
      // Cut short by the deadline (whatever the engine made of the aborted request): hand it back.
      if (
        outcome === "deadline" ||
        (deadline.signal.aborted && outcome !== "succeeded" && outcome !== "dead")
      ) {
        unfinished.push(job);
        continue;
      }
      const took = performance.now() - started;
      durations.push(took);
      summary.recordItemDuration(took);
      if (outcome === "failed_unexpectedly") {
        // The engine itself broke (e.g. the database went away mid-item). The item is not released:
        // its lease (never longer than this invocation) expires and the queue's own rules decide.
        summary.errors += 1;
        continue;
      }
      summary[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, jobs.length) }, worker));
  const cpuAfter = settings.cpuMs();
  const cpuPerItem =
    cpuBefore !== undefined && cpuAfter !== undefined && durations.length > 0
      ? (cpuAfter - cpuBefore) / durations.length
      : undefined;
  for (const took of durations) budget.recordItem(took, cpuPerItem);
}

function stopReasonForEmptyBatch(budget: InvocationBudget): StopReason {
  const cpuLeft = budget.cpuRemainingMs();
  return budget.remainingMs() > budget.perItemWallMs() && cpuLeft !== undefined ? "cpu_budget" : "deadline";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
