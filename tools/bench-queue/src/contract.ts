/**
 * What the orchestrator asks a child process to measure, and what the child answers.
 * Each measurement runs in its own process so every system gets a cold module cache, its own event loop,
 * and (for the current-release tier) its own Node binary.
 */
export type SystemId =
  | "ehr-sync"
  | "graphile-worker-0.17"
  | "graphile-worker-0.18"
  | "pg-boss-10"
  | "pg-boss-12";

export interface RunRequest {
  system: SystemId;
  /** Fresh database created by the orchestrator for this run only. */
  databaseUrl: string;
  jobs: number;
  concurrency: number;
  batchSize: number;
  /** ehr-sync only: the destination's per-patient ordering policy. */
  ordering?: "independent" | "supersede";
}

export interface RunResult {
  jobs: number;
  /** Drain time: from starting the workers to every job recorded as done in the database. */
  seconds: number;
  jobsPerSecond: number;
  /** Time spent enqueueing before the clock started (reported, never counted). */
  enqueueSeconds: number;
  version: string;
  node: string;
}

/** Polls a count query until it reports `target`, with a ceiling so a stuck system fails the run loudly. */
export async function waitForCount(
  read: () => Promise<number>,
  target: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await read();
    if (count >= target) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${count} of ${target} done after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const DRAIN_TIMEOUT_MS = 120_000;
