/**
 * The LISTEN session dies (pg_terminate_backend from a separate superuser session, as a failover or
 * an idle-session killer would do it) and the worker reconnects on its own: the listener gauge drops
 * to 0 and comes back to 1, a new LISTEN backend appears, and a note signed afterwards is delivered
 * within seconds although the worker polls only once a minute, so only a notification can have
 * woken it. Done twice, so a listener that reconnects only once fails too.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkerMetrics } from "../src/metrics.js";
import { createWorker } from "../src/worker.js";
import { adminClient, databaseNameOf, listenerPids, terminateBackend } from "./helpers/backends.js";
import {
  compositionsByNoteId,
  ehrbaseClient,
  ehrbaseOptions,
  ehrIdsOf,
  migratedDatabase,
  signNotes,
  type TestBed,
} from "./helpers/bed.js";
import { EHRBASE_SYSTEM_ID } from "./helpers/system-id.js";

/** The polling fallback: far longer than any wait below, so only NOTIFY can explain a quick delivery. */
const POLL_MS = 600_000;
/** A sign → completed bound well below POLL_MS. */
const DELIVERY_MS = 10_000;

let bed: TestBed;
let ehrbase: EhrbaseClient;
let admin: pg.Client;

beforeAll(async () => {
  ehrbase = await ehrbaseClient();
  bed = await migratedDatabase("ehrsync_listen");
  admin = await adminClient();
});
afterAll(async () => {
  await admin?.end();
  await bed?.close();
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

async function listenerGauge(metrics: WorkerMetrics): Promise<number | undefined> {
  return (await metrics.listenerConnected.get()).values[0]?.value;
}

/**
 * Signs one note and waits for its job to succeed. The wait's limit is far below the poll interval,
 * so only the notification can have woken the worker in time (a hang guard, not a speed check).
 */
async function signAndAwaitDelivery(): Promise<{ noteId: string; compositionUid: string }> {
  const [noteId] = await signNotes(bed.pool, 1, 1);
  return { noteId: noteId as string, compositionUid: await deliveredUid(noteId as string) };
}

/** Waits for the note's job to succeed (a hang guard well below POLL_MS); its composition uid. */
async function deliveredUid(noteId: string): Promise<string> {
  return until(
    `note ${noteId} delivered`,
    async () => {
      const r = await bed.pool.query<{ state: string; composition_uid: string | null }>(
        "select state, composition_uid from ehr_sync.queue where note_id = $1",
        [noteId],
      );
      const row = r.rows[0];
      return row?.state === "succeeded" && row.composition_uid ? row.composition_uid : undefined;
    },
    DELIVERY_MS,
    50,
  );
}

describe("LISTEN reconnect", () => {
  it("reconnects after its backend is terminated and is woken by the next notification", async () => {
    const database = databaseNameOf(bed.url);
    const metrics = new WorkerMetrics();
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: { ...ehrbaseOptions(), systemId: EHRBASE_SYSTEM_ID },
      metrics,
      concurrency: 2,
      pollIntervalMs: POLL_MS,
      listenerHealthCheckMs: 500,
    });
    const delivered: { noteId: string; compositionUid: string }[] = [];
    await worker.start();
    try {
      await until(
        "listener healthy at start",
        async () => ((await listenerGauge(metrics)) === 1 ? 1 : undefined),
        10_000,
      );
      let pids = await until(
        "one LISTEN backend at start",
        async () => {
          const found = await listenerPids(admin, database);
          return found.length === 1 ? found : undefined;
        },
        10_000,
      );
      // Before the fault: LISTEN works (this also settles the template upload and the first claim).
      delivered.push(await signAndAwaitDelivery());

      for (let round = 1; round <= 2; round += 1) {
        const old = pids[0] as number;
        await terminateBackend(admin, old);
        // The worker noticed (gauge 0: it is polling meanwhile) …
        await until(
          `round ${round}: listener gauge drops to 0`,
          async () => ((await listenerGauge(metrics)) === 0 ? 0 : undefined),
          5_000,
          5,
        );
        // A note signed while nobody listens: only a claim round the worker runs by itself (the one
        // the reconnect starts, or the fallback poll) can deliver it.
        const [duringOutage] = await signNotes(bed.pool, 1, 1);
        // … and reconnected by itself: a new LISTEN backend, gauge back to 1.
        pids = await until(
          `round ${round}: a new LISTEN backend`,
          async () => {
            const found = await listenerPids(admin, database);
            return found.length === 1 && found[0] !== old ? found : undefined;
          },
          10_000,
        );
        await until(
          `round ${round}: listener gauge back to 1`,
          async () => ((await listenerGauge(metrics)) === 1 ? 1 : undefined),
          10_000,
        );
        // The reconnect itself woke the loop once; that round has run when the note signed during the
        // outage is delivered, so the delivery after it can only come from the notification the
        // signing transaction sends.
        delivered.push({
          noteId: duringOutage as string,
          compositionUid: await deliveredUid(duringOutage as string),
        });

        delivered.push(await signAndAwaitDelivery());
      }
    } finally {
      await worker.stop();
    }

    // Real rows: every job succeeded once, with the composition EHRbase actually holds.
    const states = await bed.pool.query("select state, attempts from ehr_sync.queue order by id");
    expect(states.rows).toEqual(delivered.map(() => ({ state: "succeeded", attempts: 1 })));
    const found = await compositionsByNoteId(
      ehrbase,
      await ehrIdsOf(bed.pool),
      delivered.map((d) => d.noteId),
    );
    for (const d of delivered) {
      expect(found.get(d.noteId)).toEqual([d.compositionUid.split("::")[0]]);
    }
    const notes = await bed.pool.query<{ n: number }>(
      "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed'",
    );
    expect(notes.rows[0]?.n).toBe(delivered.length);
  });
});
