/**
 * Throughput into the real EHRbase at concurrency 1, 4 and 16: the queue (signed notes → worker →
 * completed) against plain fetch POSTs of the same mapped compositions, interleaved per level so
 * both paths see the same server load. EHRs are created before either clock starts, so both paths
 * time composition delivery only. Writes docs/benchmarks.md § adapter-node-throughput.
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { prepareSoapComposition, soapNoteFromRow } from "@ehr-sync/core";
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { basicAuthHeader, ehrbaseTestConfig, machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { createLogger } from "../src/logger.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase, sampleNoteRow } from "../test/helpers/bed.js";

const NOTES = Number(process.env.BENCH_NOTES ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LEVELS = [1, 4, 16];
const SYSTEM_ID = "local.ehrbase.org";
const NOTES_PER_PATIENT = 5;
/** public.soap_notes' column defaults, which queued payloads carry (for rounds where raw goes first). */
const NOTE_DEFAULTS = { version: 1, language: "en", territory: "US" };

const config = ehrbaseTestConfig();
const client = new EhrbaseClient({
  baseUrl: config.baseUrl,
  auth: { type: "basic", username: config.user, password: config.password },
  systemId: SYSTEM_ID,
});
const authorization = basicAuthHeader(config.user, config.password);

/** Fresh patients with their EHRs already in EHRbase (outside any timing). */
async function patientsWithEhrs(count: number): Promise<Map<string, string>> {
  const ehrs = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const patientId = `pat-${randomUUID()}`;
    const { ehrId } = await client.ehrs.ensure({ id: patientId, namespace: "ehr_sync_node_test" });
    ehrs.set(patientId, ehrId);
  }
  return ehrs;
}

function sampleRows(patientIds: string[]): Record<string, unknown>[] {
  return Array.from({ length: NOTES }, (_, i) => sampleNoteRow(patientIds[i % patientIds.length] as string));
}

/** Runs `task` over indexes 0..count-1 with at most `concurrency` in flight. */
async function pooled(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

async function queueRun(concurrency: number, rows: Record<string, unknown>[], ehrs: Map<string, string>) {
  const bed = await migratedDatabase("ehrsync_bench_throughput");
  try {
    // Hand the worker the EHRs made beforehand, as the raw path gets them.
    for (const [patientId, ehrId] of ehrs) {
      await bed.pool.query("select ehr_sync.remember_ehr($1, $2::uuid)", [patientId, ehrId]);
    }
    let succeeded = 0;
    let failed = 0;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: { ...ehrbaseOptions(), systemId: SYSTEM_ID },
      concurrency,
      logger: createLogger({ level: "warn" }),
      onJobFinished: (event) => {
        if (event.outcome === "succeeded") succeeded += 1;
        else failed += 1;
        if (succeeded + failed >= rows.length) allDone();
      },
    });
    // A running worker (template checked, connections open), as in production. The notes are signed
    // while the destination is paused, so signing is not timed; un-pausing starts the clock.
    await worker.start();
    await worker.drain();
    await bed.pool.query("update ehr_sync.destination set paused_until = 'infinity' where id = 'default'");
    await insertNotes(bed.pool, rows);
    const queued = await bed.pool.query<{ payload: Record<string, unknown> }>(
      "select payload from ehr_sync.queue order by id",
    );
    const started = performance.now();
    await bed.pool.query(
      "update ehr_sync.destination set paused_until = null where id = 'default'; select pg_notify('ehr_sync', 'go')",
    );
    await done;
    const seconds = (performance.now() - started) / 1000;
    await worker.drain();
    await worker.stop();
    if (failed > 0)
      throw new Error(`queue run at concurrency ${concurrency}: ${failed} jobs did not succeed`);
    return { rate: rows.length / seconds, payloads: queued.rows.map((r) => r.payload) };
  } finally {
    await bed.close();
  }
}

async function rawRun(concurrency: number, payloads: Record<string, unknown>[], ehrs: Map<string, string>) {
  // The queued payloads with new note ids: composition uids derive from them, and the queue path
  // already stored the originals. Mapping happens before the clock starts.
  const prepared = payloads.map((payload) => {
    const result = prepareSoapComposition(soapNoteFromRow({ ...payload, id: randomUUID() }), {
      systemId: SYSTEM_ID,
    });
    if (!result.ok) throw new Error(`sample note invalid: ${result.errors.map((e) => e.field).join(", ")}`);
    const root = Object.keys(result.flat)[0]?.split("/")[0] ?? "";
    const ehrId = ehrs.get(result.ehrSubject.id) as string;
    return {
      url: `${config.restUrl}/ehr/${ehrId}/composition?format=FLAT&templateId=${encodeURIComponent(result.templateId)}`,
      body: JSON.stringify({ ...result.flat, [`${root}/_uid`]: result.compositionUid }),
    };
  });
  const started = performance.now();
  await pooled(prepared.length, concurrency, async (i) => {
    const note = prepared[i] as (typeof prepared)[number];
    const response = await fetch(note.url, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", accept: "application/json" },
      body: note.body,
    });
    await response.body?.cancel();
    if (response.status !== 201 && response.status !== 204) {
      throw new Error(`raw POST at concurrency ${concurrency}: HTTP ${response.status}`);
    }
  });
  return prepared.length / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const loadAtStart = loadavg()[0] ?? 0;
const results: { concurrency: number; queue: number; raw: number; ratios: number[] }[] = [];
for (const concurrency of LEVELS) {
  const queueRates: number[] = [];
  const rawRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const ehrs = await patientsWithEhrs(Math.ceil(NOTES / NOTES_PER_PATIENT));
    const rows = sampleRows([...ehrs.keys()]);
    // Alternate which path goes first, so neither always meets a warmer server.
    let queue: number;
    let raw: number;
    if (round % 2 === 0) {
      const q = await queueRun(concurrency, rows, ehrs);
      queue = q.rate;
      raw = await rawRun(concurrency, q.payloads, ehrs);
    } else {
      const payloads = rows.map((row) => ({
        ...NOTE_DEFAULTS,
        ...row,
        diagnoses: JSON.parse(String(row.diagnoses)),
        vitals: JSON.parse(String(row.vitals)),
      }));
      raw = await rawRun(concurrency, payloads, ehrs);
      queue = (await queueRun(concurrency, rows, ehrs)).rate;
    }
    queueRates.push(queue);
    rawRates.push(raw);
    ratios.push(queue / raw);
    console.log(
      `concurrency ${concurrency} round ${round + 1}: queue ${queue.toFixed(1)} notes/s, raw ${raw.toFixed(1)} notes/s (${(queue / raw).toFixed(2)}×)`,
    );
  }
  results.push({ concurrency, queue: median(queueRates), raw: median(rawRates), ratios });
}

const table = results
  .map(
    (r) =>
      `| ${r.concurrency} | ${r.queue.toFixed(1)} | ${r.raw.toFixed(1)} | ${median(r.ratios).toFixed(2)}× | ${r.ratios.map((x) => x.toFixed(2)).join(", ")} | ${median(r.ratios) >= 0.9 ? "yes" : "no"} |`,
  )
  .join("\n");
const md = `## adapter-node: throughput, queue vs raw EHRbase POSTs

${machineLine()} (1-min load average ${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}). ${NOTES} signed notes per run (${NOTES_PER_PATIENT} per patient), real PostgreSQL 15 and
EHRbase 2.16 on the same host, ${ROUNDS} rounds per concurrency level with the two paths alternating
which goes first; the ratio is the median of the rounds' ratios. **queue** = fresh migrated database,
a running worker (default settings but concurrency), notes signed into \`public.soap_notes\` while the
destination is paused, clock from un-pausing to every job completed (claim, lease, engine, completion
with its attempt row and the status write-back);
**raw** = the same notes mapped with \`prepareSoapComposition\` and POSTed (FLAT, BASIC auth) with plain
\`fetch\` at the same concurrency. EHRs are created beforehand for both paths (excluded from timing).
Reproduce: \`pnpm --filter @ehr-sync/adapter-node exec tsx bench/throughput.ts\` (\`BENCH_NOTES\` sets N).

| concurrency | queue (notes/s, median) | raw POST (notes/s, median) | queue ÷ raw (target ≥ 0.9×) | per-round ratios | met |
| --- | --- | --- | --- | --- | --- |
${table}`;
console.log(md);
writeBenchmarkSection("adapter-node-throughput", md);
