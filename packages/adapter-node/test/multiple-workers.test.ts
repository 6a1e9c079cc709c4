/**
 * Two and four workers draining one queue at once: every note delivered exactly once, and the
 * attempt log shows no note sent twice without a reconciliation in between.
 */
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import { compositionsByNoteId, ehrbaseOptions, ehrIdsOf, nodeBedTest, signNotes } from "./helpers/bed.js";
import { sendsWithoutReconciliation, waitUntilDrained } from "./helpers/wait.js";

const it = nodeBedTest("ehrsync_multi", { requiresEhrbase: true });

describe.each([2, 4])("%i workers at once", (workers) => {
  it("deliver every note once, with each send accounted for in the attempt log", async ({ bed, ehrbase }) => {
    await bed.pool.query("truncate ehr_sync.queue, ehr_sync.attempts");
    const noteIds = await signNotes(bed.pool, 150, 30);
    const running = Array.from({ length: workers }, (_, i) =>
      createWorker({
        connectionString: bed.url,
        ehrbase: ehrbaseOptions(),
        concurrency: 4,
        batchSize: 2,
        pollIntervalMs: 200,
        workerId: `test-worker-${i}`,
      }),
    );
    await Promise.all(running.map((w) => w.start()));
    try {
      await waitUntilDrained(bed.pool);
    } finally {
      await Promise.all(running.map((w) => w.stop()));
    }
    const byWorker = await bed.pool.query(
      "select count(distinct worker_id)::int as n from ehr_sync.attempts where outcome = 'success'",
    );
    expect(byWorker.rows[0].n).toBeGreaterThan(1);
    const sends = await bed.pool.query(
      "select count(*)::int as n from ehr_sync.attempts where action in ('create', 'update')",
    );
    expect(sends.rows[0].n).toBe(150);
    expect(await sendsWithoutReconciliation(bed.pool)).toEqual([]);
    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), noteIds);
    expect(found.size).toBe(150);
    expect([...found.values()].every((uids) => uids.length === 1)).toBe(true);
  });
});
