/**
 * The Node worker: claim → process (core's engine) → claim again, with `concurrency` EHRbase
 * deliveries in flight. Woken by LISTEN/NOTIFY, with polling as the baseline; every database call is
 * one short statement, so no transaction is open while EHRbase is being called. `runOnce()` drains
 * and returns (cron); `start()` runs until `stop()` (SIGTERM/SIGINT in the CLI), which lets in-flight
 * jobs finish and releases the rest.
 *
 * Throughput: the database work around a delivery is kept off EHRbase's critical path. Up to
 * `batchSize` jobs are claimed ahead of the running ones (their leases heartbeat from the claim on),
 * so a slot that frees starts its next job at once and claims stay whole batches; a slot frees as
 * soon as EHRbase has answered, while the completion is written (grouped with others, see
 * core's store/completion-batcher.ts).
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { hostname } from "node:os";
import {
  createSoapMapping,
  type EhrGateway,
  ehrbaseGateway,
  guardStore,
  type JobOutcome,
  processJob,
  type QueueJob,
  queueAdmin,
  queueStatements,
  SOAP_TEMPLATE_ID,
  soapNoteFromRow,
  sqlQueueStore,
} from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient, isEhrbaseClient } from "@ehr-sync/ehrbase-client";
import pg from "pg";
import { databaseRetryDelayMs } from "./database-retry-backoff.js";
import { createLogger } from "./logger.js";
import { WorkerMetrics } from "./metrics.js";
import { NotificationListener } from "./notification-listener.js";
import { pgQuery } from "./store/db.js";
import { retryingDb } from "./store/retrying-db.js";
import { type JobFinishedEvent, positiveInteger, type WorkerOptions } from "./worker-options.js";

export interface RunSummary {
  succeeded: number;
  retried: number;
  dead: number;
  paused: number;
  fenced: number;
  errors: number;
}

export interface Worker {
  readonly id: string;
  readonly metrics: WorkerMetrics;
  /** The port /metrics is served on once start() has run with `metricsPort` (0 picks a free one). */
  readonly metricsPort: number | undefined;
  /** Runs until stop(); resolves once the loop has started. */
  start(): Promise<void>;
  /** Drains every job runnable now, then returns (for cron / serverless). */
  runOnce(): Promise<RunSummary>;
  /** Stops claiming, lets in-flight jobs finish (bounded), releases the rest, closes connections. */
  stop(): Promise<void>;
  /**
   * While running (start()): resolves once no job is runnable now or leased and none is in flight;
   * rejects after `timeoutMs` (default 5 min), e.g. while the destination is paused.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Resolves when the loop started by start() has ended. */
  readonly finished: Promise<void>;
}

function clientFrom(options: WorkerOptions): EhrbaseClient {
  // A brand check, not instanceof: the client may come from the other module format or another copy.
  if (isEhrbaseClient(options.ehrbase)) return options.ehrbase;
  const e = options.ehrbase;
  return new EhrbaseClient({
    baseUrl: e.baseUrl,
    auth: e.auth ?? { type: "basic", username: e.username, password: e.password },
    timeoutMs: e.timeoutMs ?? 30_000,
    ...(e.systemId ? { systemId: e.systemId } : {}),
  });
}

export function createWorker(options: WorkerOptions): Worker {
  const concurrency = positiveInteger("concurrency", options.concurrency, 4);
  const batchSize = positiveInteger("batchSize", options.batchSize, 10);
  const leaseSeconds = positiveInteger("leaseSeconds", options.leaseSeconds, 60);
  const pollIntervalMs = positiveInteger("pollIntervalMs", options.pollIntervalMs, 5_000);
  const connectionString = options.databaseUrl ?? options.connectionString;
  if (!connectionString) throw new TypeError("createWorker: databaseUrl is required");
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const logger = (options.logger ?? createLogger()).child({ worker: id });
  const metrics = options.metrics ?? new WorkerMetrics();
  const mapping = options.mapping ?? createSoapMapping();
  const toInput = options.toInput ?? (options.mapping ? undefined : soapNoteFromRow);
  const client = clientFrom(options);
  const gateway = ehrbaseGateway(client, (operation, seconds, ok) =>
    metrics.ehrbaseCall.observe({ operation, result: ok ? "ok" : "error" }, seconds),
  );

  const sessionTimeouts = {
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    lock_timeout: options.lockTimeoutMs ?? 5_000,
  };
  const pool = new pg.Pool({
    connectionString,
    ...sessionTimeouts,
    max: concurrency + 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...options.pool,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", (error) =>
    logger.warn({ event: "pool_client_lost", code: (error as { code?: string }).code }),
  );
  const db = retryingDb(pool, {
    maxWaitMs: options.databaseRetryMs ?? 60_000,
    onRetry: (error) =>
      logger.warn(
        { event: "database_unreachable", code: (error as { code?: string }).code },
        "retrying statement",
      ),
  });
  metrics.bind(db);
  // Completions linger briefly for company only while other deliveries are still under way. Store
  // failures are marked as such, so the engine never takes them for EHRbase outcomes.
  const queue = sqlQueueStore(pgQuery(db), {
    workerId: id,
    completions: { othersInFlight: () => delivering > 0 },
  });
  const store = guardStore(queue);

  /** Started jobs, until their outcome is written. */
  const inFlight = new Map<string, { job: QueueJob; done: Promise<void> }>();
  /** Claimed ahead, waiting for a slot. */
  const ready: QueueJob[] = [];
  /** Started jobs whose EHRbase calls are not over yet: what `concurrency` bounds. */
  let delivering = 0;
  /** Heartbeats of every lease this worker holds (ready or in flight). */
  const heartbeats = new Map<string, NodeJS.Timeout>();
  let stopping = false;
  let wake: () => void = () => {};
  let wakeRequested = false;
  const requestWake = () => {
    wakeRequested = true;
    wake();
  };
  const waitForWake = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakeRequested || stopping) {
        wakeRequested = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = () => {};
        wakeRequested = false;
        resolve();
      }
      wake = done;
    });

  const holdLease = (job: QueueJob) => {
    const timer = setInterval(
      () =>
        void queue.heartbeat(job, leaseSeconds).then(
          (ok) => ok || logger.warn({ event: "lease_lost", job: job.id }),
          () => {},
        ),
      (leaseSeconds * 1000) / 3,
    );
    heartbeats.set(job.id, timer);
  };
  const dropLease = (job: QueueJob) => {
    clearInterval(heartbeats.get(job.id));
    heartbeats.delete(job.id);
  };

  const listener =
    options.listen === false
      ? undefined
      : new NotificationListener({
          connection: { connectionString, connectionTimeoutMillis: 5_000, ...sessionTimeouts },
          onWake: requestWake,
          onHealth: (healthy) => metrics.listenerConnected.set(healthy ? 1 : 0),
          ...(options.listenerHealthCheckMs ? { healthCheckMs: options.listenerHealthCheckMs } : {}),
          logger,
        });

  const summary: RunSummary = { succeeded: 0, retried: 0, dead: 0, paused: 0, fenced: 0, errors: 0 };
  const finish = (event: JobFinishedEvent) => {
    metrics.attempts.inc({ outcome: event.outcome });
    if (event.latencySeconds !== undefined) metrics.signToSynced.observe(event.latencySeconds);
    options.onJobFinished?.(event);
  };

  const record = (job: QueueJob, outcome: JobOutcome) => {
    const base = { event: "job_finished", job: job.id, version: job.noteVersion, outcome: outcome.type };
    switch (outcome.type) {
      case "succeeded": {
        summary.succeeded += 1;
        const latencySeconds = Math.max(0, (Date.now() - job.enqueuedAt.getTime()) / 1000);
        logger.info({ ...base, action: outcome.action, latencyMs: Math.round(latencySeconds * 1000) });
        finish({ jobId: job.id, outcome: "succeeded", latencySeconds });
        return;
      }
      case "retry":
        summary.retried += 1;
        logger.warn({ ...base, errorClass: outcome.errorClass, delayMs: outcome.delayMs });
        finish({ jobId: job.id, outcome: "retry", errorClass: outcome.errorClass });
        return;
      case "dead":
        summary.dead += 1;
        logger.error({ ...base, errorClass: outcome.errorClass, reason: outcome.reason });
        finish({ jobId: job.id, outcome: "dead", errorClass: outcome.errorClass });
        return;
      case "paused":
        summary.paused += 1;
        // The jobs claimed ahead would only meet the same failure: they go back, unspent, and the
        // destination is probed with one job when the pause ends.
        void releaseReady();
        logger.warn(
          { ...base, errorClass: outcome.errorClass, delayMs: outcome.delayMs },
          "destination paused",
        );
        finish({ jobId: job.id, outcome: "paused", errorClass: outcome.errorClass });
        return;
      case "fenced":
        summary.fenced += 1;
        logger.warn({ ...base }, "lease lost to another worker; result not written");
        finish({ jobId: job.id, outcome: "fenced" });
        return;
    }
  };

  const run = (job: QueueJob) => {
    delivering += 1;
    let holdsSlot = true;
    const freeSlot = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      delivering -= 1;
      requestWake();
    };
    const done = (async () => {
      try {
        const outcome = await processJob(job, {
          store,
          gateway: freeingSlotOnDelivery(gateway, freeSlot),
          mapping,
          ...(toInput ? { toInput } : {}),
          ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
          ...(systemId ? { systemId } : {}),
        });
        record(job, outcome);
      } catch (error) {
        // The store was unreachable past the retry window: the lease expires and the next holder
        // reconciles with EHRbase before sending anything.
        summary.errors += 1;
        logger.error(
          { event: "job_error", job: job.id, code: (error as { code?: string }).code },
          "left to lease rescue",
        );
        finish({ jobId: job.id, outcome: "error" });
      } finally {
        freeSlot();
        dropLease(job);
        inFlight.delete(job.id);
        if (job.solo) soloRunning = false;
        requestWake();
      }
    })();
    inFlight.set(job.id, { job, done });
  };

  /** A solo job (its worker was lost before) runs with nothing else in flight, and nothing beside it. */
  let soloRunning = false;
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

  /** Once per worker, before the first claim: the retry limits for SQL, the shipped template, the system id. */
  let preparation: Promise<void> | undefined;
  let systemId: string | undefined;
  const prepare = () => {
    preparation ??= (async () => {
      if (options.retryPolicy) {
        // Lease rescue (in SQL) applies the same limits to jobs whose worker was lost.
        await queueAdmin(pgQuery(db))
          .setRetryLimits(options.retryPolicy.maxAttempts, options.retryPolicy.maxAgeMs)
          .catch((error: unknown) =>
            logger.warn({ event: "retry_limits_not_saved", code: (error as { code?: string }).code }),
          );
      }
      const shippedTemplate =
        options.ensureTemplate !== false &&
        (!options.mapping || options.ensureTemplate === true) &&
        mapping.templateId === SOAP_TEMPLATE_ID;
      if (shippedTemplate) {
        try {
          await client.templates.ensure(SOAP_TEMPLATE_OPT);
        } catch (error) {
          // Not fatal: jobs will report the missing template and pause the destination.
          logger.warn({ event: "template_upload_failed", code: (error as { code?: string }).code });
        }
      }
      // Once, beside the template: every composition uid carries it. A server that cannot tell yet (no
      // EHR) or cannot be reached leaves it to the engine, which learns it with the first delivery.
      systemId = await client.systemId().catch(() => undefined);
    })();
    return preparation;
  };

  let dbFailures = 0;
  const loop = async (mode: "forever" | "drain") => {
    await prepare();
    while (!stopping) {
      startReady();
      const want = wantToClaim();
      if (want <= 0) {
        await waitForWake(pollIntervalMs);
        continue;
      }
      let jobs: QueueJob[];
      try {
        jobs = await queue.claim(want, leaseSeconds);
        dbFailures = 0;
      } catch (error) {
        dbFailures += 1;
        logger.error({ event: "claim_failed", code: (error as { code?: string }).code });
        await waitForWake(databaseRetryDelayMs(dbFailures));
        continue;
      }
      for (const job of jobs) {
        holdLease(job);
        ready.push(job);
      }
      startReady();
      if (jobs.length > 0 && jobs.length === want) continue;
      if (mode === "drain" && inFlight.size === 0 && ready.length === 0 && jobs.length === 0) break;
      await waitForWake(pollIntervalMs);
    }
  };

  /** Jobs claimed ahead but never started go straight back, without an attempt. */
  const releaseReady = async () => {
    const unstarted = ready.splice(0);
    for (const job of unstarted) dropLease(job);
    await Promise.all(unstarted.map((job) => queue.release(job).catch(() => false)));
    return unstarted.length;
  };

  const closeConnections = async () => {
    await listener?.stop();
    await pool.end().catch(() => {});
  };

  let finished: Promise<void> = Promise.resolve();
  let started = false;
  let metricsServer: Server | undefined;
  return {
    id,
    metrics,
    get metricsPort() {
      const address = metricsServer?.address();
      return address && typeof address === "object" ? address.port : undefined;
    },
    get finished() {
      return finished;
    },
    async start() {
      if (started) throw new Error("worker already started");
      started = true;
      if (options.metricsPort !== undefined) {
        metricsServer = await metrics.serve(options.metricsPort, options.metricsHost);
      }
      listener?.start();
      finished = loop("forever").catch((error) => {
        logger.fatal({ event: "worker_crashed", message: error instanceof Error ? error.name : "error" });
        throw error;
      });
      logger.info({ event: "worker_started", concurrency, batchSize, leaseSeconds }, "worker started");
    },
    async drain(timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (inFlight.size === 0 && ready.length === 0) {
          const busy = await db.query<{ busy: boolean }>(queueStatements.anythingToDo);
          if (!busy.rows[0]?.busy) return;
        }
        if (Date.now() > deadline) throw new Error(`drain: jobs still runnable after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async runOnce() {
      if (started) throw new Error("worker already started");
      started = true;
      try {
        await loop("drain");
        await Promise.all([...inFlight.values()].map((f) => f.done));
        await releaseReady();
      } finally {
        await closeConnections();
      }
      return { ...summary };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wake();
      await finished.catch(() => {});
      const releasedAhead = await releaseReady();
      const pending = [...inFlight.values()];
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), shutdownTimeoutMs).unref(),
      );
      const result = await Promise.race([Promise.all(pending.map((f) => f.done)), timeout]);
      if (result === "timeout") {
        // The request may still land; the next holder's create meets the deterministic uid (412) and
        // confirms instead of duplicating.
        await Promise.all([...inFlight.values()].map((f) => queue.release(f.job).catch(() => false)));
      }
      const released = releasedAhead + (result === "timeout" ? inFlight.size : 0);
      for (const timer of heartbeats.values()) clearInterval(timer);
      logger.info({ event: "worker_stopped", released });
      metricsServer?.close();
      await closeConnections();
    },
  };
}

/** Frees the job's slot the moment EHRbase has taken the composition (create or update answered). */
function freeingSlotOnDelivery(gateway: EhrGateway, freeSlot: () => void): EhrGateway {
  return {
    ...gateway,
    createComposition: async (...args) => {
      const created = await gateway.createComposition(...args);
      freeSlot();
      return created;
    },
    updateComposition: async (...args) => {
      const updated = await gateway.updateComposition(...args);
      freeSlot();
      return updated;
    },
  };
}
