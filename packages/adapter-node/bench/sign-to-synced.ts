/**
 * Sign→synced latency with LISTEN/NOTIFY: a running worker, notes signed one at a time (spaced so
 * the queue stays empty), latency from the signing commit (queue row's enqueued_at) to the
 * composition being confirmed. Writes docs/benchmarks.md § adapter-node-latency.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { machineLine, percentile, writeBenchmarkSection } from "@ehr-sync/testkit";
import { createLogger } from "../src/logger.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase, sampleNoteRow } from "../test/helpers/bed.js";

const NOTES = Number(process.env.BENCH_NOTES ?? 60);
const bed = await migratedDatabase("ehrsync_bench_latency");
const latencies: number[] = [];
const worker = createWorker({
  connectionString: bed.url,
  ehrbase: ehrbaseOptions(),
  concurrency: 4,
  pollIntervalMs: 10_000,
  logger: createLogger({ level: "warn" }),
  onJobFinished: (e) => e.latencySeconds !== undefined && latencies.push(e.latencySeconds),
});
await worker.start();
const patient = `pat-${randomUUID()}`;
await insertNotes(bed.pool, [sampleNoteRow(patient)]); // warm-up: EHR creation, template, connections
await sleep(1_000);
latencies.length = 0;
for (let i = 0; i < NOTES; i += 1) {
  await insertNotes(bed.pool, [sampleNoteRow(patient)]);
  await sleep(150);
}
while (latencies.length < NOTES) await sleep(50);
await worker.stop();
await bed.close();

const p50 = percentile(latencies, 50);
const p95 = percentile(latencies, 95);
const md = `## adapter-node: sign→synced latency (LISTEN/NOTIFY)

${machineLine()}. ${NOTES} notes signed one at a time (150 ms apart) with a worker running (concurrency 4,
polling fallback set to 10 s so wake-ups come from NOTIFY), real PostgreSQL 15 and EHRbase 2.16 on the
same host. Latency = signing commit (queue row's \`enqueued_at\`) → composition confirmed and the job completed.
Reproduce: \`pnpm --filter @ehr-sync/adapter-node exec tsx bench/sign-to-synced.ts\`.

| p50 | p95 | target |
| --- | --- | --- |
| ${(p50 * 1000).toFixed(0)} ms | ${(p95 * 1000).toFixed(0)} ms | p50 < 500 ms |`;
console.log(md);
writeBenchmarkSection("adapter-node-latency", md);
