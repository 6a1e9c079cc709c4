/**
 * ehr-sync measured the way a user meets it: the notes are signed into public.soap_notes of a fresh
 * migrated database (not timed), then the clock starts, a worker is created cold with default
 * settings but `concurrency` (and BENCH_WORKER_OPTIONS), drains the queue with runOnce() (template check, connections, claims,
 * deliveries, completions, status write-back) and stops; the clock stops when runOnce() returns.
 */
import { createLogger } from "../../src/logger.js";
import { createWorker } from "../../src/worker.js";
import { ehrbaseOptions, insertNotes, migratedDatabase } from "../../test/helpers/bed.js";
import { startClock, type Timing } from "./clock.js";
import type { BenchContext } from "./context.js";
import { PATIENT_NAMESPACE, type Workload } from "./workload.js";

export interface EhrSyncRun {
  timing: Timing;
  /** EHRbase requests the worker made, by operation (from its metrics), for the report. */
  calls: Record<string, number>;
}

export async function ehrSyncColdRun(
  _context: BenchContext,
  workload: Workload,
  concurrency: number,
  extraOptions: Record<string, unknown> = {},
): Promise<EhrSyncRun> {
  const bed = await migratedDatabase("ehrsync_bench_throughput");
  try {
    // Case `known`: ehr-sync has seen these patients before (its EHR map knows them), as after earlier notes.
    for (const [patientId, ehrId] of workload.ehrs) {
      await bed.pool.query("select ehr_sync.remember_ehr(ehr_sync.subject_key($1, $2), $3::uuid)", [
        PATIENT_NAMESPACE,
        patientId,
        ehrId,
      ]);
    }
    await insertNotes(bed.pool, workload.rows);
    const clock = startClock();
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: ehrbaseOptions(),
      concurrency,
      logger: createLogger({ level: "warn" }),
      ...extraOptions,
    });
    const summary = await worker.runOnce();
    const timing = clock.stop(workload.rows.length);
    if (summary.succeeded !== workload.rows.length) {
      throw new Error(
        `ehr-sync at concurrency ${concurrency}: ${summary.succeeded} of ${workload.rows.length} delivered (${JSON.stringify(summary)})`,
      );
    }
    const calls: Record<string, number> = {};
    for (const value of (await worker.metrics.ehrbaseCall.get()).values) {
      if (!value.metricName?.endsWith("_count")) continue;
      const operation = String(value.labels.operation);
      calls[operation] = (calls[operation] ?? 0) + value.value;
    }
    return { timing, calls };
  } finally {
    await bed.close();
  }
}
