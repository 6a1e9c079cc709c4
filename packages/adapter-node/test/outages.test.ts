/**
 * Outages between the worker and its services, modelled with TCP proxies we control (the shared
 * EHRbase and PostgreSQL keep running): EHRbase unreachable mid-run, a wrong EHRBASE password, and
 * PostgreSQL unreachable mid-run. Nothing is lost, nothing goes dead, nothing is duplicated.
 * EHR_SYNC_OUTAGE_SECONDS sets the EHRbase outage (default 20 s; the figure is 60 s).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import type { Bed } from "@ehr-sync/testkit/bed";
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import { compositionsByNoteId, ehrbaseOptions, ehrIdsOf, nodeBedTest, signNotes } from "./helpers/bed.js";
import { TcpProxy } from "./helpers/tcp-proxy.js";
import { countInState, sendsWithoutReconciliation, waitUntilDrained } from "./helpers/wait.js";

const OUTAGE_SECONDS = Number(process.env.EHR_SYNC_OUTAGE_SECONDS ?? 20);

const it = nodeBedTest("ehrsync_outage", { requiresEhrbase: true });

async function reset(bed: Bed) {
  await bed.pool.query("truncate ehr_sync.queue, ehr_sync.attempts");
  await bed.pool.query("update ehr_sync.destination set paused_until = null, consecutive_pauses = 0");
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(100);
  }
}

async function expectAllDelivered(bed: Bed, ehrbase: EhrbaseClient, noteIds: string[]) {
  expect(await countInState(bed.pool, "dead")).toBe(0);
  expect(await countInState(bed.pool, "succeeded")).toBe(noteIds.length);
  const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), noteIds);
  expect(found.size).toBe(noteIds.length);
  expect([...found.values()].every((uids) => uids.length === 1)).toBe(true);
  expect(await sendsWithoutReconciliation(bed.pool)).toEqual([]);
}

describe("outages", () => {
  it(`EHRbase unreachable for ${OUTAGE_SECONDS} s mid-run: items wait, none goes dead, all complete`, async ({
    bed,
    ehrbase,
  }) => {
    await reset(bed);
    const target = new URL(ehrbaseTestConfig().baseUrl);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 80));
    const port = await proxy.start();
    const noteIds = await signNotes(bed.pool, 120, 30);
    const worker = createWorker({
      connectionString: bed.url,
      ehrbase: ehrbaseOptions({ baseUrl: `http://127.0.0.1:${port}${target.pathname}` }),
      concurrency: 4,
      pollIntervalMs: 200,
    });
    await worker.start();
    try {
      await waitFor(async () => (await countInState(bed.pool, "succeeded")) >= 20);
      await proxy.cut();
      await sleep(OUTAGE_SECONDS * 1000);
      const during = await bed.pool.query(
        "select count(*)::int as n from ehr_sync.queue where state in ('pending', 'retry_scheduled', 'leased')",
      );
      expect(during.rows[0].n).toBeGreaterThan(0);
      expect(await countInState(bed.pool, "dead")).toBe(0);
      await proxy.restore();
      await waitUntilDrained(bed.pool);
    } finally {
      await worker.stop();
      await proxy.stop();
    }
    await expectAllDelivered(bed, ehrbase, noteIds);
  });

  it("a wrong EHRbase password pauses the destination instead of burning attempts", async ({
    bed,
    ehrbase,
  }) => {
    await reset(bed);
    const noteIds = await signNotes(bed.pool, 10, 2);
    const wrong = createWorker({
      connectionString: bed.url,
      ehrbase: ehrbaseOptions({ password: "not-the-password" }),
      concurrency: 2,
      pollIntervalMs: 100,
    });
    await wrong.start();
    await sleep(4_000);
    await wrong.stop();
    const jobs = await bed.pool.query(
      "select max(attempts)::int as attempts, count(*)::int as n from ehr_sync.queue where state = 'pending'",
    );
    expect(jobs.rows[0]).toEqual({ attempts: 0, n: 10 });
    const destination = await bed.pool.query(
      "select pause_reason, consecutive_pauses from ehr_sync.destination where id = 'default'",
    );
    expect(destination.rows[0].pause_reason).toBe("http-401");
    expect(destination.rows[0].consecutive_pauses).toBeGreaterThan(0);
    const probes = await bed.pool.query(
      "select count(*)::int as n, min(http_status) as status from ehr_sync.attempts",
    );
    expect(probes.rows[0].status).toBe(401);
    expect(await countInState(bed.pool, "dead")).toBe(0);

    const right = createWorker({ connectionString: bed.url, ehrbase: ehrbaseOptions(), concurrency: 2 });
    await bed.pool.query("update ehr_sync.queue set next_attempt_at = now()");
    await bed.pool.query("update ehr_sync.destination set paused_until = null");
    const summary = await right.runOnce();
    expect(summary.succeeded).toBe(10);
    await expectAllDelivered(bed, ehrbase, noteIds);
  });

  it("PostgreSQL unreachable mid-run: the worker reconnects and finishes, nothing lost", async ({
    bed,
    ehrbase,
  }) => {
    await reset(bed);
    const db = new URL(bed.url);
    const proxy = new TcpProxy(db.hostname, Number(db.port || 5432));
    const port = await proxy.start();
    const viaProxy = new URL(bed.url);
    viaProxy.host = `127.0.0.1:${port}`;
    const noteIds = await signNotes(bed.pool, 120, 30);
    const worker = createWorker({
      connectionString: viaProxy.toString(),
      ehrbase: ehrbaseOptions(),
      concurrency: 4,
      pollIntervalMs: 200,
      leaseSeconds: 10,
      listenerHealthCheckMs: 1_000,
    });
    await worker.start();
    try {
      await waitFor(async () => (await countInState(bed.pool, "succeeded")) >= 20);
      await proxy.cut();
      // the outage must hit a queue with work left, or the test would pass without any reconnect
      const left = await bed.pool.query<{ n: number }>(
        "select count(*)::int as n from ehr_sync.queue where state <> 'succeeded'",
      );
      expect(left.rows[0]?.n).toBeGreaterThan(0);
      await sleep(8_000);
      await proxy.restore();
      await waitUntilDrained(bed.pool);
    } finally {
      await worker.stop();
      await proxy.stop();
    }
    await expectAllDelivered(bed, ehrbase, noteIds);
  });
});
