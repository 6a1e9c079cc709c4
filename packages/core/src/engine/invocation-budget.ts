/**
 * How much work one invocation may take on. A serverless function is killed at its wall-clock limit
 * (a Supabase Edge Function: 150 s on the free plan, 400 s on paid plans) and has a CPU allowance
 * (2 s there, async I/O excluded). The drain (drain.ts) claims in rounds, each sized to what still
 * fits, and stops claiming early enough that it can release unfinished leases and answer before the
 * platform cuts it off.
 */

export interface BudgetOptions {
  /** Total wall-clock time this invocation may use, from the moment the request arrived. */
  wallClockBudgetMs: number;
  /** Time kept back at the end to release leases and answer. */
  safetyMarginMs: number;
  /** CPU time this invocation may use (Supabase: 2 000 ms per request). */
  cpuBudgetMs: number;
  /** Never claim more than this many items in one round. */
  maxBatchSize: number;
  /** Per-item wall time assumed before anything has been measured. */
  initialItemWallMs: number;
  /** Per-item CPU time assumed before anything has been measured. */
  initialItemCpuMs: number;
}

export interface BudgetClock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  /** CPU milliseconds used by this process so far, or undefined where the runtime cannot tell. */
  cpuMs(): number | undefined;
}

export const systemClock: BudgetClock = {
  nowMs: () => performance.now(),
  cpuMs: () => {
    // Deno and Node both expose process.cpuUsage (microseconds); edge runtimes without it fall back
    // to the wall-clock limit alone.
    const usage = (
      globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }
    ).process?.cpuUsage?.();
    return usage ? (usage.user + usage.system) / 1000 : undefined;
  },
};

export function validateBudgetOptions(options: BudgetOptions): BudgetOptions {
  const positive: (keyof BudgetOptions)[] = [
    "wallClockBudgetMs",
    "cpuBudgetMs",
    "maxBatchSize",
    "initialItemWallMs",
    "initialItemCpuMs",
  ];
  for (const field of positive) {
    const value = options[field];
    if (!Number.isFinite(value) || value <= 0) throw new Error(`budget.${field} must be a positive number`);
  }
  if (!Number.isFinite(options.safetyMarginMs) || options.safetyMarginMs < 0) {
    throw new Error("budget.safetyMarginMs must be zero or a positive number");
  }
  if (options.safetyMarginMs >= options.wallClockBudgetMs) {
    throw new Error("budget.safetyMarginMs must be smaller than budget.wallClockBudgetMs");
  }
  if (!Number.isInteger(options.maxBatchSize)) throw new Error("budget.maxBatchSize must be an integer");
  return options;
}

/** The budget of one invocation: created when the request arrives, consulted before every claim. */
export class InvocationBudget {
  readonly startedAtMs: number;
  /** Monotonic time by which all work must be finished or released. */
  readonly deadlineMs: number;
  private readonly cpuAtStart: number | undefined;
  private itemWallMs: number;
  private itemCpuMs: number;
  private measuredItems = 0;

  constructor(
    private readonly options: BudgetOptions,
    private readonly clock: BudgetClock = systemClock,
    startedAtMs: number = clock.nowMs(),
  ) {
    this.startedAtMs = startedAtMs;
    this.deadlineMs = startedAtMs + options.wallClockBudgetMs - options.safetyMarginMs;
    this.cpuAtStart = clock.cpuMs();
    this.itemWallMs = options.initialItemWallMs;
    this.itemCpuMs = options.initialItemCpuMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadlineMs - this.clock.nowMs());
  }

  cpuRemainingMs(): number | undefined {
    const now = this.clock.cpuMs();
    if (now === undefined || this.cpuAtStart === undefined) return undefined;
    return Math.max(0, this.options.cpuBudgetMs - (now - this.cpuAtStart));
  }

  /** Records what one finished item cost; a running mean keeps one outlier from dominating. */
  recordItem(wallMs: number, cpuMs?: number): void {
    this.measuredItems += 1;
    const weight = 1 / Math.min(this.measuredItems, 8);
    this.itemWallMs = this.itemWallMs * (1 - weight) + wallMs * weight;
    if (cpuMs !== undefined) this.itemCpuMs = this.itemCpuMs * (1 - weight) + cpuMs * weight;
  }

  /** Observed (or assumed) wall time per item. */
  perItemWallMs(): number {
    return this.itemWallMs;
  }

  /**
   * How many items the next round may claim given `concurrency` items in flight at once: whatever
   * can still finish before the deadline and within the CPU allowance. Zero means stop claiming.
   */
  nextBatchSize(concurrency = 1): number {
    // Until one item has been measured the per-item cost is a guess: claim one item per worker only,
    // so a slow EHRbase cannot strand a large claim that then has to be released.
    const probeCap = this.measuredItems === 0 ? Math.max(1, concurrency) : Number.POSITIVE_INFINITY;
    const remaining = this.remainingMs();
    const byTime = Math.floor(remaining / Math.max(1, this.itemWallMs)) * Math.max(1, concurrency);
    const cpuLeft = this.cpuRemainingMs();
    const byCpu =
      cpuLeft === undefined ? Number.POSITIVE_INFINITY : Math.floor(cpuLeft / Math.max(0.1, this.itemCpuMs));
    return Math.max(0, Math.min(this.options.maxBatchSize, probeCap, byTime, byCpu));
  }

  /** Lease length for a claim made now: never longer than the time left, so no lease outlives the deadline. */
  leaseSecondsNow(): number {
    return Math.floor(this.remainingMs() / 1000);
  }

  elapsedMs(): number {
    return this.clock.nowMs() - this.startedAtMs;
  }
}
