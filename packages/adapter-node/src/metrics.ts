/**
 * Prometheus metrics. Labels are states, outcomes and operation names only: never a patient, note or
 * EHR id. Queue depth and the destination's circuit state are read from the database at scrape time,
 * so every worker reports the same truth.
 */
import { createServer, type Server } from "node:http";
import { type JobFinishedEvent, QUEUE_STATES, UNDELIVERED_JOB } from "@ehr-sync/core";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "./store/db.js";

interface Snapshot {
  counts: Record<string, number>;
  paused: boolean;
  pauseReason: string | null;
  consecutivePauses: number;
  oldestUndeliveredSeconds: number;
  writeBacksPending: number;
}

async function readSnapshot(db: Db): Promise<Snapshot> {
  const result = await db.query<{
    counts: Record<string, number>;
    paused: boolean;
    pause_reason: string | null;
    consecutive_pauses: number;
    oldest: number;
    write_backs: number;
  }>(
    `select (select jsonb_object_agg(state, jobs) from ehr_sync.queue_status) as counts,
            coalesce(d.paused_until > now(), false) as paused, d.pause_reason, d.consecutive_pauses,
            (select coalesce(extract(epoch from now() - min(enqueued_at)), 0)::float8 from ehr_sync.queue
              where ${UNDELIVERED_JOB}) as oldest,
            (select count(*)::int from ehr_sync.queue where writeback_pending) as write_backs
       from ehr_sync.destination d where d.id = 'default'`,
  );
  const row = result.rows[0];
  return {
    counts: row?.counts ?? {},
    paused: row?.paused ?? false,
    pauseReason: row?.pause_reason ?? null,
    consecutivePauses: row?.consecutive_pauses ?? 0,
    oldestUndeliveredSeconds: row?.oldest ?? 0,
    writeBacksPending: row?.write_backs ?? 0,
  };
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly signToSynced: Histogram;
  readonly attempts: Counter;
  readonly ehrbaseCall: Histogram;
  readonly listenerConnected: Gauge;
  private db: Db | undefined;
  private readonly snapshotTtlMs: number;
  private cached: { at: number; value: Promise<Snapshot | undefined> } | undefined;

  constructor(options: { snapshotTtlMs?: number } = {}) {
    const registry = this.registry;
    const metrics = this;
    this.snapshotTtlMs = options.snapshotTtlMs ?? 5_000;
    new Gauge({
      name: "ehr_sync_queue_jobs",
      help: "Jobs in ehr_sync.queue by state",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        const snapshot = await metrics.snapshot();
        if (!snapshot) return;
        for (const state of QUEUE_STATES) this.set({ state }, snapshot.counts[state] ?? 0);
      },
    });
    new Gauge({
      name: "ehr_sync_destination_paused",
      help: "1 while the destination circuit is open (paused after auth / template failures), else 0",
      registers: [registry],
      async collect() {
        const snapshot = await metrics.snapshot();
        if (snapshot) this.set(snapshot.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: "ehr_sync_destination_consecutive_pauses",
      help: "Failed probes in a row (a persistent 401/403 or missing template keeps it growing); 0 when healthy",
      labelNames: ["reason"],
      registers: [registry],
      async collect() {
        const snapshot = await metrics.snapshot();
        if (!snapshot) return;
        this.reset();
        this.set({ reason: snapshot.pauseReason ?? "none" }, snapshot.consecutivePauses);
      },
    });
    new Gauge({
      name: "ehr_sync_oldest_undelivered_seconds",
      help: "Age of the oldest job not yet delivered",
      registers: [registry],
      async collect() {
        const snapshot = await metrics.snapshot();
        if (snapshot) this.set(snapshot.oldestUndeliveredSeconds);
      },
    });
    new Gauge({
      name: "ehr_sync_write_backs_pending",
      help: "Delivered notes whose status is not yet written to the app's row (row locked or write refused)",
      registers: [registry],
      async collect() {
        const snapshot = await metrics.snapshot();
        if (snapshot) this.set(snapshot.writeBacksPending);
      },
    });
    this.signToSynced = new Histogram({
      name: "ehr_sync_sign_to_synced_seconds",
      help: "From the note being queued (signed) to its composition being confirmed in EHRbase",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    });
    this.attempts = new Counter({
      name: "ehr_sync_attempts_total",
      help: "Delivery attempts by outcome (succeeded, retry, dead, paused, fenced, error)",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.ehrbaseCall = new Histogram({
      name: "ehr_sync_ehrbase_call_seconds",
      help: "EHRbase call latency by operation and result",
      labelNames: ["operation", "result"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.listenerConnected = new Gauge({
      name: "ehr_sync_listener_connected",
      help: "1 while the LISTEN connection is healthy (else the worker is polling)",
      registers: [registry],
    });
  }

  /** The gateway's `observe`: each EHRbase call's duration, by operation and result. */
  readonly observeEhrbaseCall = (operation: string, seconds: number, ok: boolean): void => {
    this.ehrbaseCall.observe({ operation, result: ok ? "ok" : "error" }, seconds);
  };

  /** Counts a finished job by outcome and, when it was delivered, its sign-to-synced latency. */
  jobFinished(event: JobFinishedEvent): void {
    this.attempts.inc({ outcome: event.outcome });
    if (event.latencySeconds !== undefined) this.signToSynced.observe(event.latencySeconds);
  }

  /** Where the scrape-time gauges read from. */
  bind(db: Db): void {
    this.db = db;
    this.cached = undefined;
  }

  /**
   * The database's view for the gauges: one statement, shared by every gauge of a scrape and reused
   * for `snapshotTtlMs`, so frequent scrapes (or several scrapers) cost the database one query per
   * few seconds.
   */
  private snapshot(): Promise<Snapshot | undefined> {
    const db = this.db;
    if (!db) return Promise.resolve(undefined);
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.snapshotTtlMs) return this.cached.value;
    const value = readSnapshot(db).catch(() => {
      this.cached = undefined;
      return undefined;
    });
    this.cached = { at: now, value };
    return value;
  }

  /**
   * Serves GET /metrics on `port` (0 picks a free port) on `host` (default 127.0.0.1: the metrics are
   * not for the network unless you say so, e.g. "0.0.0.0" behind your own firewall); resolves with
   * the server.
   */
  serve(port: number, host = "127.0.0.1"): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": this.registry.contentType }).end(body),
        () => res.writeHead(503).end("metrics unavailable\n"),
      );
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
