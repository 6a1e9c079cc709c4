/**
 * Throughput into the real EHRbase at concurrency 1, 4 and 16: the queue (signed notes → worker →
 * completed) against plain fetch POSTs of the same mapped compositions, interleaved per level so
 * both paths see the same server load. EHRs are created before either clock starts, so both paths
 * time composition delivery only. Writes docs/benchmarks.md § adapter-node-throughput.
 */
import { randomUUID } from "node:crypto";
import { prepareSoapComposition, soapNoteFromRow } from "@ehr-sync/core";
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { basicAuthHeader, ehrbaseTestConfig, machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { createLogger } from "../src/logger.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase, noteRow } from "../test/helpers/bed.js";

const NOTES = Number(process.env.BENCH_NOTES ?? 200);
const LEVELS = [1, 4, 16];
const SYSTEM_ID = "local.ehrbase.org";
const NOTES_PER_PATIENT = 5;

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
  return Array.from({ length: NOTES }, (_, i) => noteRow(patientIds[i % patientIds.length] as string));
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
    await insertNotes(bed.pool, rows);
    // The payloads as queued (with the table's defaults filled in) are what the raw path sends too.
    const queued = await bed.pool.query<{ patient_key: string; payload: Record<string, unknown> }>(
      "select patient_key, payload from ehr_sync.queue order by id",
    );
    // Hand the worker the EHRs made beforehand, as the raw path gets them.
    for (const { patient_key, payload } of queued.rows) {
      await bed.pool.query("select ehr_sync.remember_ehr($1, $2::uuid)", [
        patient_key,
        ehrs.get(String(payload.patient_id)),
      ]);
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
    const started = performance.now();
    await worker.start();
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

const results: { concurrency: number; queue: number; raw: number }[] = [];
for (const concurrency of LEVELS) {
  const ehrs = await patientsWithEhrs(Math.ceil(NOTES / NOTES_PER_PATIENT));
  const rows = sampleRows([...ehrs.keys()]);
  const { rate: queue, payloads } = await queueRun(concurrency, rows, ehrs);
  const raw = await rawRun(concurrency, payloads, ehrs);
  console.log(`concurrency ${concurrency}: queue ${queue.toFixed(1)} notes/s, raw ${raw.toFixed(1)} notes/s`);
  results.push({ concurrency, queue, raw });
}

const table = results
  .map(
    (r) =>
      `| ${r.concurrency} | ${r.queue.toFixed(1)} | ${r.raw.toFixed(1)} | ${(r.queue / r.raw).toFixed(2)}× |`,
  )
  .join("\n");
const md = `## adapter-node: throughput, queue vs raw EHRbase POSTs

${machineLine()}, shared with a running CI suite and other EHRbase users, so figures are noisy. ${NOTES} signed
notes per run (${NOTES_PER_PATIENT} per patient), real PostgreSQL 15 and EHRbase 2.16 on the same host. Per
concurrency level, interleaved: **queue** = fresh migrated database, notes inserted into \`public.soap_notes\`,
worker started → every job completed (includes claim, lease, completion and status write-back);
**raw** = the same notes mapped with \`prepareSoapComposition\` and POSTed (FLAT, BASIC auth) with plain
\`fetch\` at the same concurrency. EHRs are created beforehand for both paths (excluded from timing).
Reproduce: \`pnpm --filter @ehr-sync/adapter-node exec tsx bench/throughput.ts\` (\`BENCH_NOTES\` sets N).

| concurrency | queue (notes/s) | raw POST (notes/s) | queue ÷ raw (target ≥ 0.9×) |
| --- | --- | --- | --- |
${table}`;
console.log(md);
writeBenchmarkSection("adapter-node-throughput", md);
