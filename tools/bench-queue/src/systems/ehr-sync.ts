/**
 * ehr-sync's queue alone: the SQL functions from @ehr-sync/core's migrations, driven by K loops that
 * claim a batch and complete it in one statement, as the Node worker does (its CompletionBatcher sends
 * the same complete_batch call, attempt-log rows included), with no HTTP and no engine in between.
 */
import { MIGRATIONS } from "@ehr-sync/core";
import pg from "pg";
import type { RunRequest, RunResult } from "../contract.js";
import { installedVersion } from "../installed-version.js";

export async function runEhrSync(request: RunRequest): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: request.databaseUrl, max: request.concurrency + 2 });
  try {
    for (const migration of MIGRATIONS) await pool.query(migration.sql);
    await pool.query("UPDATE ehr_sync.destination SET ordering = $1 WHERE id = 'default'", [
      request.ordering ?? "supersede",
    ]);

    // Enqueue through the public function (the path the note trigger takes), 100 patients, distinct notes.
    const enqueueStart = performance.now();
    await pool.query(
      `SELECT ehr_sync.enqueue('note-' || i, 1, 'patient-' || (i % 100), '{}'::jsonb, NULL)
         FROM generate_series(1, $1) AS i`,
      [request.jobs],
    );
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
    await pool.query("VACUUM ANALYZE ehr_sync.queue");

    const start = performance.now();
    await Promise.all(
      Array.from({ length: request.concurrency }, (_, i) => drainLoop(pool, `bench-${i}`, request.batchSize)),
    );
    const seconds = (performance.now() - start) / 1000;

    const { rows } = await pool.query<{ done: string }>(
      "SELECT count(*) AS done FROM ehr_sync.queue WHERE state = 'succeeded'",
    );
    if (Number(rows[0]?.done) !== request.jobs) {
      throw new Error(`ehr-sync: ${rows[0]?.done} of ${request.jobs} jobs succeeded`);
    }
    return {
      jobs: request.jobs,
      seconds,
      jobsPerSecond: request.jobs / seconds,
      enqueueSeconds,
      version: installedVersion("@ehr-sync/core"),
      node: process.version,
    };
  } finally {
    await pool.end();
  }
}

/** One worker: claim a batch, complete it in one statement, repeat until a claim comes back empty. */
async function drainLoop(pool: pg.Pool, worker: string, batchSize: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ id: string; lease_token: string }>(
      "SELECT id, lease_token FROM ehr_sync.claim_batch($1, $2, 60)",
      [worker, batchSize],
    );
    if (rows.length === 0) return;
    const items = rows.map((row) => ({
      id: row.id,
      lease_token: row.lease_token,
      composition_uid: "x::y::1",
      action: "create",
      http_status: 204,
      duration_ms: 0,
    }));
    await pool.query("SELECT ehr_sync.complete_batch($1, $2::jsonb)", [worker, JSON.stringify(items)]);
  }
}
