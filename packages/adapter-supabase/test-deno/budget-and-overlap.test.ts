/**
 * Behaviour under time pressure and under concurrency, against the real EHRbase behind a loopback
 * proxy (which can slow EHRbase down and counts every composition write that reaches it):
 *  - a short budget with a slow EHRbase: the function stops at its own deadline, no lease outlives
 *    the invocation, unfinished items are released without an attempt, and the next invocation
 *    finishes them;
 *  - two overlapping invocations never send the same note twice.
 */
import assert from "node:assert/strict";
import { compositionUidsInEhr, ehrbase, ehrIdForSubject } from "./harness/ehrbase.ts";
import { startEhrbaseProxy } from "./harness/ehrbase-proxy.ts";
import { type SignedNote, setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { activeLeases, queueRowFor, subjectNamespace } from "./harness/queue.ts";
import { startScenario } from "./harness/scenario.ts";

const BUDGET_MS = 9_000;
const SAFETY_MARGIN_MS = 2_000;
const EHRBASE_DELAY_MS = 1_500;

async function writeNotes(scenario: Awaited<ReturnType<typeof startScenario>>, count: number) {
  const notes: SignedNote[] = [];
  for (let i = 0; i < count; i++) notes.push(await writeAndSignNote(scenario.db.sql));
  return notes;
}

async function compositionsPerNote(notes: SignedNote[]): Promise<number[]> {
  const counts: number[] = [];
  for (const note of notes) {
    const ehrId = await ehrIdForSubject(note.patientId, subjectNamespace);
    counts.push(ehrId ? (await compositionUidsInEhr(ehrId)).length : 0);
  }
  return counts;
}

Deno.test({
  name: "a short budget with a slow EHRbase: stopped at its deadline, leases released, finished next time",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const proxy = await startEhrbaseProxy(ehrbase.baseUrl);
    const scenario = await startScenario({
      prefix: "sb_e2e_budget",
      ehrbaseUrl: proxy.url,
      env: {
        EHR_SYNC_WALL_CLOCK_BUDGET_MS: String(BUDGET_MS),
        EHR_SYNC_SAFETY_MARGIN_MS: String(SAFETY_MARGIN_MS),
        EHR_SYNC_CONCURRENCY: "2",
      },
    });
    try {
      await setDoorbell(scenario.db.sql, false);
      const notes = await writeNotes(scenario, 8);
      proxy.setDelayMs(EHRBASE_DELAY_MS);

      const first = await scenario.run({ trigger: "cron" });
      // No wall-clock bound here (a loaded machine would make it flaky, and speed belongs in a
      // benchmark): the handler's own deadline accounting says it stopped at the deadline.
      const summary = {
        succeeded: first.delivered ?? 0,
        retried: first.retried ?? 0,
        released: first.released ?? 0,
      };
      // The run record says it stopped at its deadline and handed items back.
      assert.equal(first.stopped_because, "deadline");
      assert.ok(summary.released >= 1, JSON.stringify(first));
      assert.ok(summary.succeeded < notes.length, JSON.stringify(first));

      // No lease outlives the invocation, and released items carry no extra attempt.
      assert.deepEqual(await activeLeases(scenario.db.sql), []);
      const rows = await Promise.all(notes.map((n) => queueRowFor(scenario.db.sql, n.noteId)));
      const pending = rows.filter((r) => r?.status === "pending");
      assert.equal(pending.length, notes.length - summary.succeeded - summary.retried);
      for (const row of pending) assert.equal(row?.attempts, 0, JSON.stringify(row));

      proxy.setDelayMs(0);
      const second = await scenario.run({ trigger: "cron" });
      assert.equal(second.delivered, pending.length);
      const after = await Promise.all(notes.map((n) => queueRowFor(scenario.db.sql, n.noteId)));
      assert.deepEqual(
        after.map((r) => r?.status),
        notes.map(() => "succeeded"),
      );
      assert.deepEqual(
        await compositionsPerNote(notes),
        notes.map(() => 1),
      );
    } finally {
      await scenario.dispose();
      await proxy.close();
    }
  },
});

Deno.test({
  name: "two overlapping invocations never send the same note twice",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const proxy = await startEhrbaseProxy(ehrbase.baseUrl);
    const scenario = await startScenario({
      prefix: "sb_e2e_overlap",
      ehrbaseUrl: proxy.url,
      env: { EHR_SYNC_CONCURRENCY: "2", EHR_SYNC_MAX_BATCH_SIZE: "3" },
    });
    try {
      await setDoorbell(scenario.db.sql, false);
      const notes = await writeNotes(scenario, 10);
      // Slow enough that the two invocations really overlap.
      proxy.setDelayMs(150);
      const [a, b] = await Promise.all([
        scenario.run({ trigger: "cron" }),
        scenario.run({ trigger: "manual" }),
      ]);
      const claimedA = a.claimed ?? 0;
      const claimedB = b.claimed ?? 0;
      assert.equal(claimedA + claimedB, notes.length, JSON.stringify([a, b]));
      assert.ok(claimedA > 0 && claimedB > 0, `both invocations worked: ${claimedA} + ${claimedB}`);

      // Every composition write that reached EHRbase, per patient EHR: exactly one each.
      const writesPerEhr = new Map<string, number>();
      for (const write of proxy.writes)
        writesPerEhr.set(write.ehrId, (writesPerEhr.get(write.ehrId) ?? 0) + 1);
      assert.equal(writesPerEhr.size, notes.length);
      assert.deepEqual(
        [...writesPerEhr.values()],
        notes.map(() => 1),
      );
      assert.deepEqual(
        await compositionsPerNote(notes),
        notes.map(() => 1),
      );
      const rows = await Promise.all(notes.map((n) => queueRowFor(scenario.db.sql, n.noteId)));
      assert.deepEqual(
        rows.map((r) => [r?.status, r?.attempts]),
        notes.map(() => ["succeeded", 1]),
      );
    } finally {
      await scenario.dispose();
      await proxy.close();
    }
  },
});
