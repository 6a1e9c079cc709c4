/**
 * The Node worker: core's continuous worker (claim ahead, slots, lease heartbeats, pauses, graceful
 * stop) wired to a `pg` pool, the EHRbase client, a LISTEN/NOTIFY wake-up and Prometheus metrics.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { hostname } from "node:os";
import {
  type ContinuousWorker,
  continuousWorker,
  createSoapMapping,
  ehrbaseGateway,
  errorCode,
  prepareWorker,
  queueAdmin,
  shipsTemplate,
  soapNoteFromRow,
  sqlQueueStore,
  wakeSignal,
  workerSettings,
} from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient, isEhrbaseClient } from "@ehr-sync/ehrbase-client";
import pg from "pg";
import { createLogger } from "./logger.js";
import { WorkerMetrics } from "./metrics.js";
import { NotificationListener } from "./notification-listener.js";
import { pgQuery } from "./store/db.js";
import { retryingDb } from "./store/retrying-db.js";
import type { WorkerOptions } from "./worker-options.js";

/** core's continuous worker with its Node side: id, metrics, /metrics port; stop() also closes connections. */
export interface Worker extends Pick<ContinuousWorker, "runOnce" | "stop" | "drain" | "finished"> {
  readonly id: string;
  readonly metrics: WorkerMetrics;
  /** The port /metrics is served on once start() has run with `metricsPort` (0 picks a free one). */
  readonly metricsPort: number | undefined;
  /** Runs until stop(); resolves once the loop has started. */
  start(): Promise<void>;
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
  const settings = workerSettings(options);
  const connectionString = options.databaseUrl ?? options.connectionString;
  if (!connectionString) throw new TypeError("createWorker: databaseUrl is required");
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const logger = (options.logger ?? createLogger()).child({ worker: id });
  const metrics = options.metrics ?? new WorkerMetrics();
  const mapping = options.mapping ?? createSoapMapping();
  const client = clientFrom(options);

  const sessionTimeouts = {
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    lock_timeout: options.lockTimeoutMs ?? 5_000,
  };
  const pool = new pg.Pool({
    connectionString,
    ...sessionTimeouts,
    max: settings.concurrency + 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...options.pool,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", (error) => logger.warn({ event: "pool_client_lost", code: errorCode(error) }));
  const db = retryingDb(pool, {
    maxWaitMs: options.databaseRetryMs ?? 60_000,
    onRetry: (error) =>
      logger.warn({ event: "database_unreachable", code: errorCode(error) }, "retrying statement"),
  });
  metrics.bind(db);
  const admin = queueAdmin(pgQuery(db));
  const wake = wakeSignal();

  const scheduler = continuousWorker(
    {
      // Completions linger briefly for company only while other deliveries are still under way.
      store: sqlQueueStore(pgQuery(db), {
        workerId: id,
        completions: { othersInFlight: () => scheduler.delivering > 0 },
      }),
      gateway: ehrbaseGateway(client, metrics.observeEhrbaseCall),
      mapping,
      toInput: options.toInput ?? (options.mapping ? undefined : soapNoteFromRow),
      retryPolicy: options.retryPolicy,
      prepare: () =>
        prepareWorker({
          retryPolicy: options.retryPolicy,
          setRetryLimits: admin.setRetryLimits,
          ensureTemplate: shipsTemplate(options, mapping.templateId)
            ? () => client.templates.ensure(SOAP_TEMPLATE_OPT)
            : undefined,
          systemId: () => client.systemId(),
          logger,
        }),
      anythingToDo: admin.anythingToDo,
      wake,
      logger,
      onJobFinished: (event) => {
        metrics.jobFinished(event);
        options.onJobFinished?.(event);
      },
    },
    settings,
  );

  const listener =
    options.listen === false
      ? undefined
      : new NotificationListener({
          connection: { connectionString, connectionTimeoutMillis: 5_000, ...sessionTimeouts },
          onWake: wake.wake,
          onHealth: (healthy) => metrics.listenerConnected.set(healthy ? 1 : 0),
          ...(options.listenerHealthCheckMs ? { healthCheckMs: options.listenerHealthCheckMs } : {}),
          logger,
        });
  const closeConnections = async () => {
    await listener?.stop();
    await pool.end().catch(() => {});
  };

  let started = false;
  let stopping = false;
  let metricsServer: Server | undefined;
  return {
    id,
    metrics,
    get metricsPort() {
      const address = metricsServer?.address();
      return address && typeof address === "object" ? address.port : undefined;
    },
    get finished() {
      return scheduler.finished;
    },
    async start() {
      if (started) throw new Error("worker already started");
      started = true;
      if (options.metricsPort !== undefined) {
        metricsServer = await metrics.serve(options.metricsPort, options.metricsHost);
      }
      listener?.start();
      scheduler.start();
    },
    drain: (timeoutMs) => scheduler.drain(timeoutMs),
    async runOnce() {
      if (started) throw new Error("worker already started");
      started = true;
      try {
        return await scheduler.runOnce();
      } finally {
        await closeConnections();
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      await scheduler.stop();
      metricsServer?.close();
      await closeConnections();
    },
  };
}
