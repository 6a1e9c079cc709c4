/**
 * A destination that keeps answering 401 (a rotated password) is probed ever more rarely, up to the
 * cap, with one note at a time and no attempt spent; the pause is visible in `status` and in the
 * metrics; once the credentials work again every note syncs. The real EHRbase answers the 401s: a
 * proxy only drops the credentials. Time is scaled by the retry policy (pauses from 0.2 s to a 3 s
 * cap instead of 1 s to 5 min) so the test runs in seconds, not minutes.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { WorkerMetrics } from "../src/metrics.js";
import { queueStatus } from "../src/store/queue-status.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, nodeBedTest, sampleNoteRow } from "./helpers/bed.js";
import { CredentialDroppingProxy } from "./helpers/credential-dropping-proxy.js";
import { waitUntilDrained } from "./helpers/wait.js";

const it = nodeBedTest("ehrsync_pauses");
let proxy: CredentialDroppingProxy;

beforeAll(async () => {
  proxy = new CredentialDroppingProxy(new URL(ehrbaseTestConfig().baseUrl));
  await proxy.start();
});
afterAll(async () => {
  await proxy?.stop();
});

describe("destination pauses", () => {
  it("probes a destination that answers 401 ever more rarely, spends no attempt, and syncs all after recovery", async ({
    bed,
  }) => {
    const policy = { baseDelayMs: 200, maxDelayMs: 3_000, maxAttempts: 3, maxAgeMs: 86_400_000 };
    const ids = await insertNotes(
      bed.pool,
      Array.from({ length: 20 }, () => sampleNoteRow(`pat-${randomUUID()}`)),
    );
    proxy.dropCredentials = true;
    const metrics = new WorkerMetrics({ snapshotTtlMs: 0 });
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: { ...ehrbaseOptions(), baseUrl: proxy.baseUrl() },
      concurrency: 4,
      pollIntervalMs: 100,
      retryPolicy: policy,
      ensureTemplate: false,
      metrics,
    });
    await worker.start();
    try {
      // 20 s of 401s. Without growth (a 0–0.2 s pause after every failure, whole batches each time)
      // this would be hundreds of requests.
      await sleep(20_000);
      const probes = proxy.forwardedWithout;
      const status = await queueStatus(bed.pool);
      expect(status.destination.pauseReason).toBe("http-401");
      // The 4 in flight when the first 401 came, then one probe per pause: pauses of at least
      // 0.1, 0.2, 0.4, 0.8 s and then at least 1.5 s (half the cap) allow at most ~16 more in 20 s.
      expect(probes).toBeGreaterThanOrEqual(5);
      expect(probes).toBeLessThanOrEqual(20);
      expect(status.destination.consecutivePauses).toBeGreaterThanOrEqual(5);
      expect(status.destination.pausedSince).not.toBeNull();
      const scraped = await metrics.registry.metrics();
      expect(scraped).toMatch(/ehr_sync_destination_consecutive_pauses\{reason="http-401"\} ([5-9]|1\d)/);
      const spent = await bed.pool.query("select coalesce(sum(attempts), 0)::int as n from ehr_sync.queue");
      expect(spent.rows[0].n).toBe(0);

      proxy.dropCredentials = false;
      await waitUntilDrained(bed.pool, 60_000);
    } finally {
      await worker.stop();
    }
    const done = await bed.pool.query(
      "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed' and id = any($1::uuid[])",
      [ids],
    );
    expect(done.rows[0].n).toBe(20);
    const destination = await bed.pool.query(
      "select consecutive_pauses, paused_since from ehr_sync.destination where id = 'default'",
    );
    expect(destination.rows[0]).toEqual({ consecutive_pauses: 0, paused_since: null });
  }, 120_000);
});
