/**
 * LISTEN ehr_sync on a dedicated session, as a latency optimisation only: the worker also polls.
 * A LISTEN connection can die silently (graphile-worker #541), so a same-session health check runs
 * every `healthCheckMs` and, like any connection error, triggers a reconnect with backoff. Every
 * (re)connect wakes the worker once, to pick up what was queued while nobody listened.
 */

import { databaseRetryDelayMs } from "@ehr-sync/core";
import pg from "pg";
import type { Logger } from "./logger.js";

export const CHANNEL = "ehr_sync";

export interface ListenerOptions {
  connection: pg.ClientConfig;
  onWake: () => void;
  onHealth?: (healthy: boolean) => void;
  healthCheckMs?: number;
  logger: Logger;
}

export class NotificationListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private healthTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  healthy = false;

  constructor(private readonly options: ListenerOptions) {}

  start(): void {
    this.stopped = false;
    void this.connect();
    this.healthTimer = setInterval(() => void this.checkHealth(), this.options.healthCheckMs ?? 10_000);
    this.healthTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.healthTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.setHealthy(false);
    await client?.end().catch(() => {});
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy !== healthy) this.options.onHealth?.(healthy);
    this.healthy = healthy;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.options.connection, keepAlive: true });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (message.channel === CHANNEL) this.options.onWake();
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.client !== client || this.stopped) {
        await client.end().catch(() => {});
        return;
      }
      this.failures = 0;
      this.setHealthy(true);
      this.options.logger.debug({ event: "listener_connected" }, "listening for notifications");
      this.options.onWake();
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.setHealthy(false);
    client.end().catch(() => {});
    if (this.stopped) return;
    this.failures += 1;
    const delay = databaseRetryDelayMs(this.failures);
    this.options.logger.warn(
      { event: "listener_lost", retryInMs: delay },
      "LISTEN connection lost; polling meanwhile",
    );
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private async checkHealth(): Promise<void> {
    const client = this.client;
    if (!client || !this.healthy) return;
    try {
      const result = await Promise.race([
        client.query<{ ok: boolean }>("select $1 = any (array(select pg_listening_channels())) as ok", [
          CHANNEL,
        ]),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("health check timed out")), 5_000).unref(),
        ),
      ]);
      if (result.rows[0]?.ok !== true) throw new Error("not listening");
    } catch {
      this.lost(client);
    }
  }
}
