/**
 * The `ehr-sync` commands, a thin shell over the library. Configuration comes from flags or the
 * environment (DATABASE_URL, EHRBASE_URL and EHRBASE_USER + EHRBASE_PASSWORD, EHRBASE_TOKEN or
 * EHRBASE_OAUTH_*); secrets are never printed.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { queueAdmin } from "@ehr-sync/core";
import { ehrbaseAuthFromEnv } from "@ehr-sync/ehrbase-client";
import pg from "pg";
import { type Dashboard, startDashboard } from "./dashboard/dashboard-server.js";
import { createLogger } from "./logger.js";
import { WorkerMetrics } from "./metrics.js";
import { migrate } from "./migrate.js";
import { pgQuery } from "./store/db.js";
import { queueStatus } from "./store/queue-status.js";
import { createWorker } from "./worker.js";
import type { WorkerOptions } from "./worker-options.js";

export const USAGE = `usage: ehr-sync <command> [options]
       ehr-sync --version | --help

commands:
  migrate                  apply the ehr_sync migrations (once each, in order)
  worker                   run until SIGTERM/SIGINT (LISTEN/NOTIFY + polling)
  run-once                 drain the jobs runnable now, then exit (for cron)
  status [--json]          counts by state, oldest undelivered age, dead jobs with reasons
  retry <job id>...        give the named dead jobs a fresh retry window
  requeue --all            give every dead job a fresh retry window
  backfill [--table T] [--patient-column C]
                           queue notes signed before ehr-sync was installed
  upgrade-from-handmade [--dry-run]
                           replace the hand-made soap_notes → ehrbase_sync_queue setup in place (one
                           transaction); --dry-run reports what it would do and changes nothing
  prune [--payload-days N] [--attempt-days N] [--dead-payload-days N]
                           drop the note copies of delivered jobs (default after 7 days) and attempt
                           rows of finished jobs (default after 30 days); dead jobs keep theirs
  dashboard [--port P] [--host H] [--actor-header H]
                           serve the operations dashboard (default 127.0.0.1:8090) until SIGTERM/SIGINT;
                           --actor-header: your auth proxy's user header, named in requeue audit rows

options (worker, run-once):
  --concurrency N  --batch-size N  --lease-seconds N  --poll-ms N  --no-listen
  --metrics-port P  --metrics-host H (default 127.0.0.1)
  --dashboard-port P [--dashboard-host H]   (worker) serve the dashboard too

environment: DATABASE_URL, EHRBASE_URL, EHRBASE_SYSTEM_ID, EHR_SYNC_CONCURRENCY, EHR_SYNC_LOG_LEVEL,
  EHR_SYNC_DASHBOARD_TOKEN (the dashboard's bearer token; without it only the printed login link works), and
  EHRbase credentials: EHRBASE_USER + EHRBASE_PASSWORD (basic), EHRBASE_TOKEN (bearer), or
  EHRBASE_OAUTH_TOKEN_URL + EHRBASE_OAUTH_CLIENT_ID + EHRBASE_OAUTH_CLIENT_SECRET [+ EHRBASE_OAUTH_SCOPE] (OAuth2)
`;

/** The installed package's version: package.json is one level above both src/ and dist/. */
/**
 * The pg_cron job of a hand-made setup keeps its name on upgrade (packages/core/sql/0007); for the Node
 * worker its command rings the worker's doorbell.
 */
const NODE_JOB_COMMAND = "select pg_notify('ehr_sync', 'cron')";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  print: (line: string) => void;
  /** Resolves on SIGTERM/SIGINT (the CLI entry wires the signals). */
  stopSignal: Promise<string>;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new CliError(`${name} is not set`);
  return value;
}

export class CliError extends Error {}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--${flag} must be a non-negative integer`);
  return n;
}

/** EHRbase credentials from the environment; running without any is refused (it would only meet 401s). */
function cliAuth(env: NodeJS.ProcessEnv) {
  const auth = ehrbaseAuthFromEnv(env);
  if (auth.type === "none") {
    throw new CliError(
      "EHRbase credentials are not set: EHRBASE_USER + EHRBASE_PASSWORD, EHRBASE_TOKEN, or EHRBASE_OAUTH_TOKEN_URL + EHRBASE_OAUTH_CLIENT_ID + EHRBASE_OAUTH_CLIENT_SECRET",
    );
  }
  return auth;
}

function workerOptions(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): WorkerOptions {
  const pick = (flag: string) => integer(flag, values[flag] as string | undefined);
  const concurrency = pick("concurrency") ?? integer("EHR_SYNC_CONCURRENCY", env.EHR_SYNC_CONCURRENCY);
  const batchSize = pick("batch-size");
  const leaseSeconds = pick("lease-seconds");
  const pollIntervalMs = pick("poll-ms");
  return {
    connectionString: required(env, "DATABASE_URL"),
    ehrbase: {
      baseUrl: env.EHRBASE_URL ?? "http://127.0.0.1:8085/ehrbase",
      auth: cliAuth(env),
      ...(env.EHRBASE_SYSTEM_ID ? { systemId: env.EHRBASE_SYSTEM_ID } : {}),
    },
    ...(concurrency ? { concurrency } : {}),
    ...(batchSize ? { batchSize } : {}),
    ...(leaseSeconds ? { leaseSeconds } : {}),
    ...(pollIntervalMs ? { pollIntervalMs } : {}),
    ...(values["no-listen"] ? { listen: false } : {}),
  };
}

/** Starts the dashboard and prints where it is and a one-time login link (never the token itself). */
async function serveDashboard(
  io: CliIo,
  port: number,
  host: string | undefined,
  actorHeader: string | undefined,
): Promise<Dashboard> {
  const dashboard = await startDashboard({
    connectionString: required(io.env, "DATABASE_URL"),
    port,
    ...(host ? { host } : {}),
    ...(actorHeader ? { actorHeader } : {}),
    ...(io.env.EHR_SYNC_DASHBOARD_TOKEN ? { token: io.env.EHR_SYNC_DASHBOARD_TOKEN } : {}),
    logger: createLogger(),
  });
  io.print(`dashboard on ${dashboard.url}`);
  if (host && !["127.0.0.1", "::1", "localhost"].includes(host)) {
    io.print("warning: not on a loopback address and without TLS: put a TLS-terminating proxy in front");
  }
  io.print(`sign in (the link works once, for 10 minutes): ${dashboard.loginLink()}`);
  return dashboard;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v" || command === "version") {
    io.print(packageVersion());
    return 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      concurrency: { type: "string" },
      "batch-size": { type: "string" },
      "lease-seconds": { type: "string" },
      "poll-ms": { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-host": { type: "string" },
      "payload-days": { type: "string" },
      "attempt-days": { type: "string" },
      "dead-payload-days": { type: "string" },
      "no-listen": { type: "boolean" },
      json: { type: "boolean" },
      all: { type: "boolean" },
      "dry-run": { type: "boolean" },
      table: { type: "string" },
      "patient-column": { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "dashboard-port": { type: "string" },
      "dashboard-host": { type: "string" },
      "actor-header": { type: "string" },
    },
  });
  const withDb = async <T>(fn: (db: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: required(io.env, "DATABASE_URL") });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  };

  switch (command) {
    case "migrate": {
      const result = await migrate(required(io.env, "DATABASE_URL"));
      for (const m of result.applied) io.print(`applied ${String(m.version).padStart(4, "0")}_${m.name}`);
      io.print(`${result.applied.length} applied, ${result.alreadyApplied} already applied`);
      return 0;
    }
    case "worker": {
      const metrics = new WorkerMetrics();
      const worker = createWorker({ ...workerOptions(values, io.env), metrics, logger: createLogger() });
      const port = integer("metrics-port", values["metrics-port"]);
      const server = port !== undefined ? await metrics.serve(port, values["metrics-host"]) : undefined;
      const dashboardPort = integer("dashboard-port", values["dashboard-port"]);
      const dashboard =
        dashboardPort !== undefined
          ? await serveDashboard(
              io,
              dashboardPort,
              values["dashboard-host"] as string | undefined,
              values["actor-header"] as string | undefined,
            )
          : undefined;
      await worker.start();
      const signal = await Promise.race([io.stopSignal, worker.finished.then(() => "finished")]);
      io.print(`stopping (${signal})`);
      await worker.stop();
      server?.close();
      await dashboard?.close();
      return 0;
    }
    case "dashboard": {
      const dashboard = await serveDashboard(
        io,
        integer("port", values.port) ?? 8090,
        values.host as string | undefined,
        values["actor-header"] as string | undefined,
      );
      const signal = await io.stopSignal;
      io.print(`stopping (${signal})`);
      await dashboard.close();
      return 0;
    }
    case "run-once": {
      const worker = createWorker({ ...workerOptions(values, io.env), logger: createLogger() });
      const summary = await worker.runOnce();
      io.print(JSON.stringify(summary));
      return 0;
    }
    case "status": {
      const status = await withDb((db) => queueStatus(db));
      if (values.json) {
        io.print(JSON.stringify(status));
        return 0;
      }
      const c = status.counts;
      io.print(
        `pending ${c.pending}  leased ${c.leased}  retry_scheduled ${c.retry_scheduled}  succeeded ${c.succeeded}  dead ${c.dead}`,
      );
      io.print(
        `oldest undelivered: ${status.oldestUndeliveredSeconds === null ? "none" : `${status.oldestUndeliveredSeconds.toFixed(1)} s`}`,
      );
      const dest = status.destination;
      if (dest.pausedUntil && dest.pausedUntil > new Date()) {
        io.print(
          `destination paused until ${dest.pausedUntil.toISOString()} (${dest.pauseReason}; ${dest.consecutivePauses} pause(s) in a row since ${dest.pausedSince?.toISOString() ?? "?"})`,
        );
      } else if (dest.consecutivePauses > 0) {
        io.print(
          `destination probing after ${dest.consecutivePauses} pause(s) in a row (${dest.pauseReason})`,
        );
      }
      if (status.writeBacks.pending > 0) {
        io.print(
          `status write-backs pending: ${status.writeBacks.pending} (${status.writeBacks.refused} refused by the app's table)`,
        );
      }
      const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      io.print(
        `storage: queue ${mb(status.storage.queueBytes)}, attempts ${mb(status.storage.attemptsBytes)}`,
      );
      for (const d of status.dead) {
        io.print(
          `dead job ${d.id} v${d.noteVersion} after ${d.attempts} attempt(s): ${d.errorClass} — ${d.reason}`,
        );
      }
      return 0;
    }
    case "retry":
    case "requeue": {
      const ids = positionals.filter((p) => /^\d+$/.test(p));
      if (ids.length !== positionals.length) throw new CliError("job ids are integers");
      if (ids.length === 0 && !(command === "requeue" && values.all)) {
        throw new CliError(`${command} needs job ids${command === "requeue" ? " or --all" : ""}`);
      }
      const n = await withDb((db) => queueAdmin(pgQuery(db)).requeueDead(ids));
      io.print(`${n} dead job(s) queued again`);
      return 0;
    }
    case "backfill": {
      const n = await withDb((db) =>
        queueAdmin(pgQuery(db)).backfill(
          values.table ?? "public.soap_notes",
          values["patient-column"] ?? "patient_id",
        ),
      );
      io.print(`${n} signed note(s) queued`);
      return 0;
    }
    case "upgrade-from-handmade": {
      const dryRun = values["dry-run"] === true;
      // The real run installs ehr-sync first; a dry run changes nothing, so it needs it installed.
      if (!dryRun) await migrate(required(io.env, "DATABASE_URL"));
      const steps = await withDb(async (db) => {
        const installed = await db.query(
          "select to_regprocedure('ehr_sync.upgrade_from_handmade(boolean,text,text,text,text,text,text)') is not null as ok",
        );
        if (installed.rows[0]?.ok !== true) {
          throw new CliError(
            "ehr-sync is not installed in this database: run `ehr-sync migrate` before a dry run",
          );
        }
        return queueAdmin(pgQuery(db)).upgradeFromHandmade(dryRun, NODE_JOB_COMMAND);
      });
      io.print(dryRun ? "dry run: nothing was changed; the upgrade would:" : "upgraded:");
      for (const step of steps)
        io.print(`  ${String(step.items).padStart(5)}  ${step.action}: ${step.target}`);
      return 0;
    }
    case "prune": {
      const payloadAfterDays = integer("payload-days", values["payload-days"]);
      const attemptsAfterDays = integer("attempt-days", values["attempt-days"]);
      const deadPayloadAfterDays = integer("dead-payload-days", values["dead-payload-days"]);
      const result = await withDb((db) =>
        queueAdmin(pgQuery(db)).prune({
          ...(payloadAfterDays !== undefined ? { payloadAfterDays } : {}),
          ...(attemptsAfterDays !== undefined ? { attemptsAfterDays } : {}),
          ...(deadPayloadAfterDays !== undefined ? { deadPayloadAfterDays } : {}),
        }),
      );
      io.print(
        `${result.payloadsDropped} note copies dropped, ${result.attemptsDeleted} attempt rows deleted`,
      );
      return 0;
    }
    default:
      io.print(USAGE);
      return command === undefined || command === "help" || command === "--help" || command === "-h" ? 0 : 2;
  }
}
