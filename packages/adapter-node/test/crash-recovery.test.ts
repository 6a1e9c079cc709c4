/**
 * A worker process SIGKILLed at random moments during a 500-note run, five times, then restarted:
 * zero lost and zero duplicate compositions in EHRbase, every note completed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { describe, expect } from "vitest";
import { compositionsByNoteId, ehrIdsOf, nodeBedTest, signNotes } from "./helpers/bed.js";
import { countInState, sendsWithoutReconciliation, waitUntilDrained } from "./helpers/wait.js";
import { exited, spawnWorker } from "./helpers/worker-process.js";

const it = nodeBedTest("ehrsync_crash", { requiresEhrbase: true });

describe("crash recovery", () => {
  it("loses and duplicates nothing when the worker is SIGKILLed five times", async ({ bed, ehrbase }) => {
    const noteIds = await signNotes(bed.pool, 500, 100);
    const config = ehrbaseTestConfig();
    const env = {
      DATABASE_URL: bed.url,
      EHRBASE_URL: config.baseUrl,
      EHRBASE_USER: config.user,
      EHRBASE_PASSWORD: config.password,
    };
    let kills = 0;
    while (kills < 5) {
      const child = spawnWorker(env, ["--concurrency", "8", "--lease-seconds", "3", "--poll-ms", "200"]);
      // Let it get into the work (it holds leases, whatever its start-up took on a loaded machine),
      // then kill it at a random moment up to 1.5 s later.
      const deadline = Date.now() + 60_000;
      while ((await countInState(bed.pool, "leased")) === 0 && Date.now() < deadline) await sleep(50);
      await sleep(Math.random() * 1500);
      child.kill("SIGKILL");
      await exited(child);
      kills += 1;
    }
    expect(await countInState(bed.pool, "succeeded")).toBeLessThan(500);

    const final = spawnWorker(env, ["--concurrency", "8", "--lease-seconds", "3", "--poll-ms", "200"]);
    try {
      await waitUntilDrained(bed.pool);
    } finally {
      final.kill("SIGTERM");
      await exited(final);
    }

    expect(await countInState(bed.pool, "succeeded")).toBe(500);
    const completed = await bed.pool.query(
      "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed' and ehr_composition_uid is not null",
    );
    expect(completed.rows[0].n).toBe(500);
    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), noteIds);
    expect(found.size).toBe(500);
    expect([...found.values()].filter((uids) => uids.length !== 1)).toEqual([]);
    expect(await sendsWithoutReconciliation(bed.pool)).toEqual([]);
    const rescued = await bed.pool.query(
      "select count(*)::int as n from ehr_sync.attempts where action = 'reconcile'",
    );
    expect(rescued.rows[0].n).toBeGreaterThan(0);
  });
});
