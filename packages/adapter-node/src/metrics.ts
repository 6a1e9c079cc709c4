/**
 * Prometheus metrics. Labels are states, outcomes and operation names only: never a patient, note or
 * EHR id. Queue depth and the destination's circuit state are read from the database at scrape time,
 * so every worker reports the same truth.
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "./store/db.js";

const STATES = ["pending", "leased", "retry_scheduled", "succeeded", "dead"] as const;

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly signToSynced: Histogram;
  readonly attempts: Counter;
  readonly ehrbaseCall: Histogram;
  readonly listenerConnected: Gauge;
  private db: Db | undefined;

  constructor() {
    const registry = this.registry;
    const metrics = this;
    new Gauge({
      name: "ehr_sync_queue_jobs",
      help: "Jobs in ehr_sync.queue by state",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        if (!metrics.db) return;
        const rows = await metrics.db.query<{ state: string; jobs: number }>(
          "select state, jobs from ehr_sync.queue_status",
        );
        for (const state of STATES) this.set({ state }, rows.rows.find((r) => r.state === state)?.jobs ?? 0);
      },
    });
    new Gauge({
      name: "ehr_sync_destination_paused",
      help: "1 while the destination circuit is open (paused after auth / template failures), else 0",
      registers: [registry],
      async collect() {
        if (!metrics.db) return;
        const rows = await metrics.db.query<{ paused: boolean }>(
          "select coalesce(paused_until > now(), false) as paused from ehr_sync.destination where id = 'default'",
        );
        this.set(rows.rows[0]?.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: "ehr_sync_oldest_undelivered_seconds",
      help: "Age of the oldest job not yet delivered",
      registers: [registry],
      async collect() {
        if (!metrics.db) return;
        const rows = await metrics.db.query<{ age: number | null }>(
          `select coalesce(extract(epoch from now() - min(enqueued_at)), 0)::float8 as age
             from ehr_sync.queue where state in ('pending', 'leased', 'retry_scheduled')`,
        );
        this.set(rows.rows[0]?.age ?? 0);
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

  /** Where the scrape-time gauges read from. */
  bind(db: Db): void {
    this.db = db;
  }

  /** Serves GET /metrics on `port` (0 picks a free port); resolves with the server. */
  serve(port: number, host = "0.0.0.0"): Promise<Server> {
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
