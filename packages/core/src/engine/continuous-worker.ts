/**
 * A long-running worker over ports: claim → process (processJob) → claim again, with `concurrency`
 * EHRbase deliveries in flight. Woken by a WakeSignal (LISTEN/NOTIFY in Node), with polling as the
 * baseline. `runOnce()` drains and returns (cron); `start()` runs until `stop()`, which lets in-flight
 * jobs finish (bounded) and releases the rest. Only setTimeout and promises: it runs in Node and Deno.
 *
 * Throughput: the database work around a delivery is kept off EHRbase's critical path. Up to
 * `batchSize` jobs are claimed ahead of the running ones (their leases heartbeat from the claim on),
 * so a slot that frees starts its next job at once and claims stay whole batches; a slot frees as
 * soon as EHRbase has answered, while the completion is written (grouped with others, see
 * store/completion-batcher.ts).
 */
import type { CustomMapping } from "../mapping/custom-mapping.js";
import type { RetryPolicy } from "../queue/backoff.js";
import { databaseRetryDelayMs } from "./database-retry-backoff.js";
import { type JobFinishedEvent, jobOutcomeReport, type RunSummary } from "./job-outcome-report.js";
import { leaseHeartbeats } from "./lease-heartbeats.js";
import type { EhrGateway, QueueJob, QueueStore } from "./ports.js";
import { processJob } from "./process-job.js";
import { freeingSlotOnDelivery } from "./slot-freeing-gateway.js";
import { guardStore } from "./store-failure.js";
import type { WakeSignal } from "./wake-signal.js";
import { errorCode, type WorkerLogger } from "./worker-logger.js";
import type { WorkerSettings } from "./worker-settings.js";

/** The store as a continuous worker uses it (core's sqlQueueStore is one). */
export interface ContinuousQueueStore extends QueueStore {
  claim(limit: number, leaseSeconds: number): Promise<QueueJob[]>;
  heartbeat(job: QueueJob, leaseSeconds: number): Promise<boolean>;
}

export interface ContinuousWorkerPorts {
  store: ContinuousQueueStore;
  gateway: EhrGateway;
  // biome-ignore lint/suspicious/noExplicitAny: the worker is agnostic of the mapping's input type
  mapping: CustomMapping<any>;
  toInput?: ((payload: unknown) => unknown) | undefined;
  retryPolicy?: RetryPolicy | undefined;
  /** Runs once before the first claim; resolves with the server's system id when known (prepareWorker). */
  prepare(): Promise<string | undefined>;
  /** Whether any job is leased or runnable now, by any worker: what drain() waits to become false. */
  anythingToDo(): Promise<boolean>;
  /** The adapter's wake-up source calls `wake.wake()`; the worker wakes itself when a slot frees. */
  wake: WakeSignal;
  logger: WorkerLogger;
  onJobFinished?: ((event: JobFinishedEvent) => void) | undefined;
}

export interface ContinuousWorker {
  /** Started jobs whose EHRbase calls are not over yet: what `concurrency` bounds. */
  readonly delivering: number;
  /** Resolves when the loop started by start() has ended. */
  readonly finished: Promise<void>;
  start(): void;
  /** Drains every job runnable now, then returns (for cron / serverless). */
  runOnce(): Promise<RunSummary>;
  /** Stops claiming, lets in-flight jobs finish (bounded), releases the rest; idempotent. */
  stop(): Promise<void>;
  /**
   * While running (start()): resolves once no job is runnable now or leased and none is in flight;
   * rejects after `timeoutMs` (default 5 min), e.g. while the destination is paused.
   */
  drain(timeoutMs?: number): Promise<void>;
}

export function continuousWorker(ports: ContinuousWorkerPorts, settings: WorkerSettings): ContinuousWorker {
  const { concurrency, batchSize, leaseSeconds, pollIntervalMs, shutdownTimeoutMs } = settings;
  const { store: queue, logger, wake } = ports;
  const store = guardStore(queue);
  const report = jobOutcomeReport(logger, ports.onJobFinished);
  const leases = leaseHeartbeats(
    (job) => queue.heartbeat(job, leaseSeconds),
    leaseSeconds,
    (job) => logger.warn({ event: "lease_lost", job: job.id }),
  );

  /** Started jobs, until their outcome is written. */
  const inFlight = new Map<string, { job: QueueJob; done: Promise<void> }>();
  /** Claimed ahead, waiting for a slot. */
  const ready: QueueJob[] = [];
  let delivering = 0;
  /** A solo job (its worker was lost before) runs with nothing else in flight, and nothing beside it. */
  let soloRunning = false;
  let stopping = false;
  let systemId: string | undefined;

  /** Jobs claimed ahead but never started go straight back, without an attempt. */
  const releaseReady = async () => {
    const unstarted = ready.splice(0);
    for (const job of unstarted) leases.drop(job);
    await Promise.all(unstarted.map((job) => queue.release(job).catch(() => false)));
    return unstarted.length;
  };

  const run = (job: QueueJob) => {
    delivering += 1;
    let holdsSlot = true;
    const freeSlot = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      delivering -= 1;
      wake.wake();
    };
    const done = (async () => {
      try {
        const outcome = await processJob(job, {
          store,
          gateway: freeingSlotOnDelivery(ports.gateway, freeSlot),
          mapping: ports.mapping,
          ...(ports.toInput ? { toInput: ports.toInput } : {}),
          ...(ports.retryPolicy ? { policy: ports.retryPolicy } : {}),
          ...(systemId ? { systemId } : {}),
        });
        // The jobs claimed ahead would only meet the same failure: they go back, unspent, and the
        // destination is probed with one job when the pause ends.
        if (outcome.type === "paused") void releaseReady();
        report.outcome(job, outcome);
      } catch (error) {
        // The store was unreachable past the retry window: the lease expires and the next holder
        // reconciles with EHRbase before sending anything.
        report.storeFailure(job, error);
      } finally {
        freeSlot();
        leases.drop(job);
        inFlight.delete(job.id);
        if (job.solo) soloRunning = false;
        wake.wake();
      }
    })();
    inFlight.set(job.id, { job, done });
  };

  const startReady = () => {
    while (!stopping && !soloRunning && delivering < concurrency && ready.length > 0) {
      const next = ready[0] as QueueJob;
      if (next.solo) {
        if (inFlight.size > 0) return;
        soloRunning = true;
      }
      run(ready.shift() as QueueJob);
    }
  };
  /**
   * Claim again once the look-ahead is used up (or slots sit idle), up to `batchSize` jobs ahead of
   * the running ones, and never more than a few batches of leases in all: claims stay whole batches
   * instead of one job per freed slot.
   */
  const wantToClaim = () => {
    if (ready.length > 0 && concurrency - delivering <= ready.length) return 0;
    const room = Math.min(
      concurrency + batchSize - delivering - ready.length,
      concurrency * 2 + batchSize - inFlight.size - ready.length,
    );
    return Math.max(0, Math.min(batchSize, room));
  };

  let preparation: Promise<void> | undefined;
  const waitUntilStopping = (ms: number) => (stopping ? Promise.resolve() : wake.wait(ms));
  let dbFailures = 0;
  const loop = async (mode: "forever" | "drain") => {
    preparation ??= ports.prepare().then((id) => {
      systemId = id;
    });
    await preparation;
    while (!stopping) {
      startReady();
      const want = wantToClaim();
      if (want <= 0) {
        await waitUntilStopping(pollIntervalMs);
        continue;
      }
      let jobs: QueueJob[];
      try {
        jobs = await queue.claim(want, leaseSeconds);
        dbFailures = 0;
      } catch (error) {
        dbFailures += 1;
        logger.error({ event: "claim_failed", code: errorCode(error) });
        await waitUntilStopping(databaseRetryDelayMs(dbFailures));
        continue;
      }
      for (const job of jobs) {
        leases.hold(job);
        ready.push(job);
      }
      startReady();
      if (jobs.length > 0 && jobs.length === want) continue;
      if (mode === "drain" && inFlight.size === 0 && ready.length === 0 && jobs.length === 0) break;
      await waitUntilStopping(pollIntervalMs);
    }
  };

  let finished: Promise<void> = Promise.resolve();
  return {
    get delivering() {
      return delivering;
    },
    get finished() {
      return finished;
    },
    start() {
      finished = loop("forever").catch((error) => {
        logger.fatal({ event: "worker_crashed", message: error instanceof Error ? error.name : "error" });
        throw error;
      });
      logger.info({ event: "worker_started", concurrency, batchSize, leaseSeconds }, "worker started");
    },
    async runOnce() {
      await loop("drain");
      await Promise.all([...inFlight.values()].map((f) => f.done));
      await releaseReady();
      return { ...report.summary };
    },
    async drain(timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (inFlight.size === 0 && ready.length === 0 && !(await ports.anythingToDo())) return;
        if (Date.now() > deadline) throw new Error(`drain: jobs still runnable after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wake.wake();
      await finished.catch(() => {});
      const releasedAhead = await releaseReady();
      const pending = [...inFlight.values()];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), shutdownTimeoutMs);
      });
      const result = await Promise.race([Promise.all(pending.map((f) => f.done)), timeout]);
      clearTimeout(timer);
      if (result === "timeout") {
        // The request may still land; the next holder's create meets the deterministic uid (412) and
        // confirms instead of duplicating.
        await Promise.all([...inFlight.values()].map((f) => queue.release(f.job).catch(() => false)));
      }
      const released = releasedAhead + (result === "timeout" ? inFlight.size : 0);
      leases.dropAll();
      logger.info({ event: "worker_stopped", released });
    },
  };
}
