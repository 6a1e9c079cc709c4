/**
 * A delivery slower than the lease: the worker's heartbeat keeps renewing its lease, so lease rescue
 * (which every other worker's claim runs) never takes the job away. One attempt, no reconcile, one
 * composition. Without the heartbeat the job is rescued mid-delivery (an attempt spent, a reconcile
 * forced), which rescue + reconcile would otherwise hide.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import { compositionsByNoteId, ehrbaseOptions, ehrIdsOf, nodeBedTest, signNotes } from "./helpers/bed.js";
import { DelayingProxy } from "./helpers/delaying-proxy.js";
import { EHRBASE_SYSTEM_ID } from "./helpers/system-id.js";

const LEASE_SECONDS = 2;

const it = nodeBedTest("ehrsync_heartbeat", { requiresEhrbase: true });
let proxy: DelayingProxy;

beforeAll(async () => {
  const target = new URL(ehrbaseTestConfig().baseUrl);
  proxy = new DelayingProxy(target.hostname, Number(target.port || 80));
  await proxy.start();
});
afterAll(async () => {
  await proxy?.stop();
});

interface JobRow {
  state: string;
  attempts: number;
  leases_lost: number;
  /** The lease the job was first seen under has expired by the database's clock, job still leased. */
  outlived: boolean;
}

describe("lease heartbeat", () => {
  it("keeps a delivery slower than its lease from being rescued: one attempt, no reconcile", async ({
    bed,
    ehrbase,
  }) => {
    const base = new URL(ehrbaseTestConfig().baseUrl);
    // Each request reaches EHRbase a second late; a first delivery makes at least three (look the
    // patient's EHR up, create it, create the composition), so it outlasts a two-second lease.
    proxy.delayMs = 1_000;
    const [noteId] = await signNotes(bed.pool, 1, 1);
    const worker = createWorker({
      connectionString: bed.url,
      ehrbase: {
        ...ehrbaseOptions({ baseUrl: `http://127.0.0.1:${proxy.port}${base.pathname}` }),
        systemId: EHRBASE_SYSTEM_ID,
      },
      concurrency: 1,
      leaseSeconds: LEASE_SECONDS,
      pollIntervalMs: 200,
    });
    let firstExpiry: string | undefined;
    let outlived = false;
    let last: JobRow | undefined;
    await worker.start();
    try {
      for (let turn = 0; turn < 600 && last?.state !== "succeeded"; turn++) {
        // What every other worker's claim does first: rescue expired leases.
        await bed.pool.query("select ehr_sync.rescue_expired_leases()");
        if (firstExpiry === undefined) {
          const leased = await bed.pool.query<{ expiry: string }>(
            "select lease_expires_at::text as expiry from ehr_sync.queue where note_id = $1 and state = 'leased'",
            [noteId],
          );
          firstExpiry = leased.rows[0]?.expiry;
        }
        const r = await bed.pool.query<JobRow>(
          `select state, attempts, leases_lost,
                  (state = 'leased' and now() > $2::timestamptz) as outlived
             from ehr_sync.queue where note_id = $1`,
          [noteId, firstExpiry ?? "infinity"],
        );
        last = r.rows[0];
        if (last?.outlived) outlived = true;
        await sleep(100);
      }
    } finally {
      await worker.stop();
      proxy.delayMs = 0;
    }

    // The scenario happened: the delivery was still running after its first lease had run out.
    expect(outlived, "the delivery outlived its first lease").toBe(true);
    expect(last).toMatchObject({ state: "succeeded", attempts: 1, leases_lost: 0 });
    const actions = await bed.pool.query<{ action: string }>(
      "select action from ehr_sync.attempts order by id",
    );
    expect(actions.rows.map((a) => a.action)).not.toContain("reconcile");
    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), [noteId as string]);
    expect(found.get(noteId as string)).toHaveLength(1);
  });
});
