/**
 * The continuous worker's scheduling over a fake store and gateway: which jobs run, which wait, which
 * go back. The real-service proof is adapter-node's suite (worker-delivery, graceful-shutdown, …).
 */
import { describe, expect, it, vi } from "vitest";
import type { CustomMapping } from "../mapping/custom-mapping.js";
import { type ContinuousQueueStore, continuousWorker } from "./continuous-worker.js";
import type { JobFinishedEvent } from "./job-outcome-report.js";
import type { EhrGateway, QueueJob, WrittenComposition } from "./ports.js";
import { wakeSignal } from "./wake-signal.js";
import type { WorkerLogger } from "./worker-logger.js";
import { workerSettings } from "./worker-settings.js";

function job(id: string, extra: Partial<QueueJob> = {}): QueueJob {
  const now = new Date();
  return {
    id,
    noteId: `note-${id}`,
    noteVersion: 1,
    patientKey: "test|p1",
    payload: { id },
    attempts: 0,
    attemptsAtWindowStart: 0,
    firstEnqueuedAt: now,
    enqueuedAt: now,
    leaseToken: `token-${id}`,
    reconcileFirst: false,
    ...extra,
  };
}

function fakeStore(queued: QueueJob[]) {
  const log = {
    claims: [] as number[],
    released: [] as string[],
    heartbeats: [] as string[],
    completed: [] as string[],
  };
  const store: ContinuousQueueStore = {
    claim: async (limit) => {
      log.claims.push(limit);
      return queued.splice(0, limit);
    },
    heartbeat: async (j) => {
      log.heartbeats.push(j.id);
      return true;
    },
    release: async (j) => {
      log.released.push(j.id);
      return true;
    },
    complete: async (j) => {
      log.completed.push(j.id);
      return true;
    },
    recordAttempt: async () => {},
    reschedule: async () => true,
    bury: async () => true,
    pauseDestination: async () => true,
    ehrIdFor: async () => "ehr-1",
    rememberEhr: async () => {},
  };
  return { store, log };
}

/** A gateway whose creates wait until the test answers them, one job at a time. */
function heldGateway() {
  const pending = new Map<string, (answer: WrittenComposition | Error) => void>();
  const gateway: EhrGateway = {
    systemId: async () => "sys",
    ensureEhr: async () => "ehr-1",
    findComposition: async () => null,
    createComposition: (_ehrId, flat) =>
      new Promise((resolve, reject) => {
        pending.set(String(flat.id), (answer) =>
          answer instanceof Error ? reject(answer) : resolve(answer),
        );
      }),
    updateComposition: async () => ({ versionUid: "unused" }),
  };
  const answer = (id: string) => {
    const respond = pending.get(id);
    if (!respond) throw new Error(`job ${id} has not reached EHRbase`);
    pending.delete(id);
    respond({ versionUid: `uuid-${id}::sys::1`, status: 201 });
  };
  return { gateway, started: () => [...pending.keys()].sort(), answer };
}

const mapping = {
  templateId: "test.v1",
  webTemplate: {},
  prepare: (input: unknown) => {
    const { id } = input as { id: string };
    return {
      ok: true,
      input,
      templateId: "test.v1",
      compositionUuid: `uuid-${id}`,
      compositionUid: `uuid-${id}::sys::1`,
      ehrSubject: { id: "p1", namespace: "test" },
      flat: { id },
    };
  },
  subject: () => ({ ok: true, ehrSubject: { id: "p1", namespace: "test" } }),
} as unknown as CustomMapping<unknown>;

const quiet: WorkerLogger = { info: () => {}, warn: () => {}, error: () => {}, fatal: () => {} };

function worker(queued: QueueJob[], settings: Parameters<typeof workerSettings>[0]) {
  const { store, log } = fakeStore(queued);
  const held = heldGateway();
  const finished: JobFinishedEvent[] = [];
  const w = continuousWorker(
    {
      store,
      gateway: held.gateway,
      mapping,
      prepare: async () => "sys",
      anythingToDo: async () => queued.length > 0,
      wake: wakeSignal(),
      logger: quiet,
      onJobFinished: (event) => finished.push(event),
    },
    workerSettings({ pollIntervalMs: 60_000, ...settings }),
  );
  return { w, log, held, finished };
}

describe("continuousWorker", () => {
  it("runs `concurrency` deliveries and keeps up to `batchSize` claimed ahead, their leases renewed", async () => {
    vi.useFakeTimers();
    try {
      const queued = ["1", "2", "3", "4", "5", "6"].map((id) => job(id));
      const { w, log, held } = worker(queued, { concurrency: 2, batchSize: 3, leaseSeconds: 3 });
      w.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["1", "2"]);
      expect(log.claims).toEqual([3]);
      expect(w.delivering).toBe(2);
      // Every third of the lease, every held lease is renewed: the one waiting for a slot included.
      await vi.advanceTimersByTimeAsync(1_000);
      expect(log.heartbeats.sort()).toEqual(["1", "2", "3"]);

      held.answer("1");
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["2", "3"]);
      expect(log.completed).toEqual(["1"]);
      // The look-ahead is used up: a whole batch is claimed again, not one job per freed slot.
      expect(log.claims).toEqual([3, 3]);

      const stopping = w.stop();
      await vi.advanceTimersByTimeAsync(0);
      held.answer("2");
      held.answer("3");
      await vi.advanceTimersByTimeAsync(0);
      await stopping;
      expect(log.completed.sort()).toEqual(["1", "2", "3"]);
      // Jobs claimed ahead go back unstarted.
      expect(log.released.sort()).toEqual(["4", "5", "6"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("runs a solo job with nothing else in flight and nothing beside it", async () => {
    vi.useFakeTimers();
    try {
      const queued = [job("1"), job("2", { solo: true }), job("3")];
      const { w, held } = worker(queued, { concurrency: 4, batchSize: 3 });
      w.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["1"]);
      held.answer("1");
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["2"]);
      held.answer("2");
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["3"]);
      held.answer("3");
      await vi.advanceTimersByTimeAsync(0);
      await w.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("on stop, releases in-flight jobs that outlast the shutdown timeout", async () => {
    vi.useFakeTimers();
    try {
      const { w, log, held } = worker([job("1")], { concurrency: 1, batchSize: 1, shutdownTimeoutMs: 5_000 });
      w.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(held.started()).toEqual(["1"]);
      const stopping = w.stop();
      await vi.advanceTimersByTimeAsync(4_999);
      expect(log.released).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await stopping;
      expect(log.released).toEqual(["1"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("runOnce drains the queue and reports each outcome", async () => {
    const queued = [job("1"), job("2"), job("3")];
    const { w, held, finished } = worker(queued, { concurrency: 2, batchSize: 2 });
    const answering = setInterval(() => {
      for (const id of held.started()) held.answer(id);
    }, 1);
    try {
      const summary = await w.runOnce();
      expect(summary).toEqual({ succeeded: 3, retried: 0, dead: 0, paused: 0, fenced: 0, errors: 0 });
      expect(finished.map((e) => [e.jobId, e.outcome]).sort()).toEqual([
        ["1", "succeeded"],
        ["2", "succeeded"],
        ["3", "succeeded"],
      ]);
    } finally {
      clearInterval(answering);
    }
  });
});

describe("workerSettings", () => {
  it("applies the defaults", () => {
    expect(workerSettings({})).toEqual({
      concurrency: 4,
      batchSize: 10,
      leaseSeconds: 60,
      pollIntervalMs: 5_000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it("names the field of a value that is not a positive integer", () => {
    expect(() => workerSettings({ concurrency: 0 })).toThrow(
      "createWorker: concurrency must be a positive integer, got 0",
    );
    expect(() => workerSettings({ leaseSeconds: 1.5 }, "worker")).toThrow("worker: leaseSeconds");
  });
});
