/**
 * Queue-only throughput: ehr-sync's SQL queue against graphile-worker and pg-boss, all draining the same
 * number of pre-inserted no-op jobs on the same PostgreSQL with the same concurrency, one system at a
 * time. Prints a markdown table and writes it to docs/benchmarks.md (section "queue-only").
 *
 *   pnpm --filter @ehr-sync/bench-queue bench        (BENCH_JOBS, BENCH_ROUNDS to change the size)
 * 10,000 jobs (not 20,000) keeps the whole run near 4 minutes on 2 cores with batch-1 claims included.
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, writeBenchmarkSection } from "@ehr-sync/testkit";
import type { RunRequest, RunResult } from "./contract.js";
import { type NodeBinary, node20, node22 } from "./node-binaries.js";
import { renderReport, type VariantResult } from "./report.js";
import type { Variant } from "./variants.js";
import { variants } from "./variants.js";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const runOne = fileURLToPath(new URL("./run-one.ts", import.meta.url));

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 4;
const WARM_UP_JOBS = Math.max(500, Math.round(JOBS / 10));

async function measureOnce(variant: Variant, binary: NodeBinary, jobs: number): Promise<RunResult> {
  const database = await createTestDatabase("bench_queue");
  try {
    const request: RunRequest = {
      ...variant.request,
      databaseUrl: database.url,
      jobs,
      concurrency: CONCURRENCY,
    };
    const { stdout } = await run(binary.path, ["--import", "tsx", runOne, JSON.stringify(request)], {
      cwd: packageDir,
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split("\n").at(-1);
    if (!last) throw new Error(`${variant.label}: the child printed no result`);
    return JSON.parse(last) as RunResult;
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  const binaries = { 20: node20(), 22: node22() } as const;
  const loadAtStart = loadavg()[0] ?? 0;
  const started = Date.now();
  const results = new Map<Variant, RunResult[]>(variants.map((v) => [v, []]));

  console.log(`warm-up: ${WARM_UP_JOBS} jobs per variant (not reported)`);
  for (const variant of variants) await measureOnce(variant, binaries[variant.node], WARM_UP_JOBS);

  for (let round = 0; round < ROUNDS; round++) {
    // Rotate and alternate the order so no system always runs first or right after the same neighbour.
    const shift = (round * 3) % variants.length;
    const rotated = [...variants.slice(shift), ...variants.slice(0, shift)];
    const order = round % 2 === 1 ? rotated.reverse() : rotated;
    for (const variant of order) {
      const result = await measureOnce(variant, binaries[variant.node], JOBS);
      results.get(variant)?.push(result);
      console.log(
        `round ${round + 1}: ${variant.label.padEnd(48)} ${Math.round(result.jobsPerSecond).toString().padStart(6)} jobs/s`,
      );
    }
  }

  const rows: VariantResult[] = variants.map((variant) => ({ variant, runs: results.get(variant) ?? [] }));
  const markdown = renderReport(rows, {
    jobs: JOBS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    warmUpJobs: WARM_UP_JOBS,
    node20: binaries[20].version,
    node22: binaries[22].version,
    loadAtStart,
    loadAtEnd: loadavg()[0] ?? 0,
    minutes: (Date.now() - started) / 60_000,
  });
  console.log(`\n${markdown}`);
  writeBenchmarkSection("queue-only", markdown);
}

await main();
