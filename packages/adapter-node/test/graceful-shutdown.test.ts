/**
 * stop() (what SIGTERM/SIGINT trigger in the CLI): the worker stops claiming, gives in-flight jobs a
 * grace period, then hands their leases back untouched, so another worker takes them at once instead
 * of waiting for the lease to expire. EHRbase is replaced by a listener that accepts connections and
 * never answers, so the jobs are certainly in flight when stop() is called.
 */
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, nodeBedTest, signNotes } from "./helpers/bed.js";
import { countInState } from "./helpers/wait.js";

const it = nodeBedTest("ehrsync_shutdown");

describe("graceful shutdown", () => {
  it("releases the leases of jobs still in flight after the grace period, without counting an attempt", async ({
    bed,
  }) => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const port = (silent.address() as net.AddressInfo).port;
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: {
        ...ehrbaseOptions({ baseUrl: `http://127.0.0.1:${port}/ehrbase` }),
        systemId: "local.ehrbase.org",
        timeoutMs: 5_000,
      },
      ensureTemplate: false,
      concurrency: 3,
      pollIntervalMs: 200,
      shutdownTimeoutMs: 300,
    });
    try {
      await signNotes(bed.pool, 5, 5);
      await worker.start();
      const deadline = Date.now() + 20_000;
      while ((await countInState(bed.pool, "leased")) < 3) {
        if (Date.now() > deadline) throw new Error("the worker never leased three jobs");
        await sleep(50);
      }
      await worker.stop();

      const rows = await bed.pool.query<{ state: string; attempts: number; lease_token: string | null }>(
        "select state, attempts, lease_token from ehr_sync.queue",
      );
      expect(rows.rows.length).toBe(5);
      expect(
        rows.rows.every((r) => r.state === "pending" && r.attempts === 0 && r.lease_token === null),
      ).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      // Let the abandoned requests time out against the closed pool before the database is dropped.
      await sleep(200);
    }
  });
});
