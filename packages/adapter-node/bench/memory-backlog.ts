/**
 * Worker memory with a 100k-note backlog: the queue holds 100 000 signed notes, the worker drains for
 * BENCH_SECONDS against the real EHRbase, and the process's peak RSS is reported. Claims are bounded
 * by concurrency, so memory should not grow with the backlog.
 * Writes docs/benchmarks.md § adapter-node-memory.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { createLogger } from "../src/logger.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, migratedDatabase, sampleNoteRow } from "../test/helpers/bed.js";

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const bed = await migratedDatabase("ehrsync_bench_memory");
const template = sampleNoteRow("x");
await bed.pool.query(
  `insert into ehr_sync.queue (note_id, note_version, patient_key, idempotency_key, payload)
   select id, 1, p, id || ':1', $1::jsonb || jsonb_build_object('id', id, 'patient_id', p)
     from (select gen_random_uuid()::text as id, 'pat-' || $3 || '-' || (g % 5000) as p from generate_series(1, $2) g) s`,
  [
    JSON.stringify({
      ...template,
      language: "en",
      territory: "US",
      version: 1,
      diagnoses: JSON.parse(String(template.diagnoses)),
      vitals: JSON.parse(String(template.vitals)),
    }),
    BACKLOG,
    randomUUID(),
  ],
);
await bed.pool.query("vacuum analyze ehr_sync.queue");
global.gc?.();
const baseline = process.memoryUsage().rss;
let delivered = 0;
let failed = 0;
const worker = createWorker({
  connectionString: bed.url,
  ehrbase: ehrbaseOptions(),
  concurrency: 8,
  logger: createLogger({ level: "warn" }),
  onJobFinished: (e) => {
    if (e.outcome === "succeeded") delivered += 1;
    else failed += 1;
  },
});
let peak = 0;
await worker.start();
for (let s = 0; s < SECONDS * 4; s += 1) {
  peak = Math.max(peak, process.memoryUsage().rss);
  await sleep(250);
}
await worker.stop();
await bed.close();
const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
const md = `## adapter-node: worker memory with a 100k backlog

${machineLine()}. ${BACKLOG.toLocaleString("en")} signed notes queued; one worker process (concurrency 8) drained for ${SECONDS} s
against the real EHRbase (${delivered} delivered meanwhile, ${failed} not). Peak RSS of the whole process (Node + tsx + pg + pino +
prom-client + the worker): **${mb(peak)} MB** (RSS before the worker started: ${mb(baseline)} MB). Target < 150 MB.
Reproduce: \`pnpm --filter @ehr-sync/adapter-node exec tsx bench/memory-backlog.ts\`.`;
console.log(md);
writeBenchmarkSection("adapter-node-memory", md);
process.exit(0);
