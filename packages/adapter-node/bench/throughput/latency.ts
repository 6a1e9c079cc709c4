/**
 * Sign→synced for one note at a time, in the same run as one raw commit of the same note: a running
 * worker (default settings, woken by NOTIFY) and a patient ehr-sync already knows. ehr-sync's latency
 * runs from just before the signing INSERT to the job being completed (composition confirmed, result
 * written); a raw commit's from just before its POST to EHRbase's answer. Samples alternate which
 * path goes first.
 */
import { randomUUID } from "node:crypto";
import { createLogger } from "../../src/logger.js";
import { createWorker } from "../../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase, sampleNoteRow } from "../../test/helpers/bed.js";
import type { CanonicalSource } from "./canonical.js";
import type { BenchContext } from "./context.js";
import { PATIENT_NAMESPACE, type PreparedNote, prepareNote } from "./workload.js";

export interface LatencySamples {
  ehrSync: number[];
  rawFlat: number[];
  rawCanonical: number[];
}

const WARM_UP = 3;
/** A note not synced by then means the worker is stuck: fail instead of waiting for ever. */
const NOTE_TIMEOUT_MS = 30_000;

export async function measureLatency(
  context: BenchContext,
  canonical: CanonicalSource,
  count: number,
  extraOptions: Record<string, unknown> = {},
): Promise<LatencySamples> {
  const samples: LatencySamples = { ehrSync: [], rawFlat: [], rawCanonical: [] };
  const patientId = `pat-${randomUUID()}`;
  const { ehrId } = await context.client.ehrs.createForSubject({
    id: patientId,
    namespace: PATIENT_NAMESPACE,
  });
  const bed = await migratedDatabase("ehrsync_bench_latency_ratio");
  let finished: (outcome: string) => void = () => {};
  let worker: ReturnType<typeof createWorker> | undefined;
  try {
    worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: ehrbaseOptions(),
      logger: createLogger({ level: "warn" }),
      onJobFinished: (event) => finished(event.outcome),
      ...extraOptions,
    });
    await bed.pool.query("select ehr_sync.remember_ehr(ehr_sync.subject_key($1, $2), $3::uuid)", [
      PATIENT_NAMESPACE,
      patientId,
      ehrId,
    ]);
    await worker.start();
    const viaEhrSync = async () => {
      const done = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`latency note: not synced within ${NOTE_TIMEOUT_MS} ms`)),
          NOTE_TIMEOUT_MS,
        );
        finished = (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        };
      });
      const started = performance.now();
      await insertNotes(bed.pool, [sampleNoteRow(patientId)]);
      const outcome = await done;
      if (outcome !== "succeeded") throw new Error(`latency note: job ended ${outcome}`);
      return performance.now() - started;
    };
    const post = async (query: string, body: string) => {
      const started = performance.now();
      const response = await fetch(`${context.restUrl}/ehr/${ehrId}/composition${query}`, {
        method: "POST",
        headers: {
          authorization: context.authorization,
          "content-type": "application/json",
          accept: "application/json",
        },
        body,
      });
      await response.body?.cancel();
      if (response.status !== 201 && response.status !== 204) {
        throw new Error(`latency raw POST: HTTP ${response.status}`);
      }
      return performance.now() - started;
    };
    const fresh = (): PreparedNote => prepareNote(sampleNoteRow(patientId), context.systemId);
    const viaFlat = () => {
      const note = fresh();
      return post(
        `?format=FLAT&templateId=${encodeURIComponent(note.templateId)}`,
        JSON.stringify(note.flat),
      );
    };
    const viaCanonical = () => post("", JSON.stringify(canonical.toCanonical(fresh())));

    for (let i = 0; i < WARM_UP + count; i += 1) {
      const steps: [keyof LatencySamples, () => Promise<number>][] = [
        ["ehrSync", viaEhrSync],
        ["rawFlat", viaFlat],
        ["rawCanonical", viaCanonical],
      ];
      if (i % 2 === 1) steps.reverse();
      for (const [name, step] of steps) {
        const ms = await step();
        if (i >= WARM_UP) samples[name].push(ms);
      }
    }
  } finally {
    await worker?.stop();
    await bed.close();
  }
  return samples;
}
