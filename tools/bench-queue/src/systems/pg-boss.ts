/**
 * pg-boss with a no-op batch handler: jobs pre-inserted with bulk `insert`, then workers fetching
 * batches with the same total concurrency; done when every job row is `completed`.
 *
 * 10.x (Node 20) has no `localConcurrency`, so concurrency means that many `work()` subscriptions.
 * 12.x (Node 22, installed under an alias) uses `localConcurrency` and `burstWhenBatchFull`, its documented
 * way to keep fetching while batches come back full (10.x fetches again at once after a non-empty batch).
 */
import pg from "pg";
import { DRAIN_TIMEOUT_MS, type RunRequest, type RunResult, waitForCount } from "../contract.js";
import { installedVersion } from "../installed-version.js";

const QUEUE = "noop";
const POLLING_INTERVAL_SECONDS = 0.5;

/** The slice of the 10.x and 12.x APIs this benchmark uses (their type files differ too much to share). */
interface Boss {
  on(event: "error", listener: (error: unknown) => void): unknown;
  start(): Promise<unknown>;
  stop(options?: { graceful?: boolean; wait?: boolean; timeout?: number }): Promise<void>;
  createQueue(name: string): Promise<void>;
  work(
    name: string,
    options: Record<string, unknown>,
    handler: (jobs: unknown[]) => Promise<void>,
  ): Promise<string>;
}
interface BossV10 extends Boss {
  insert(jobs: { name: string; data: object }[]): Promise<void>;
}
interface BossV12 extends Boss {
  insert(name: string, jobs: { data: object }[]): Promise<unknown>;
}
type BossConstructor<B> = new (options: Record<string, unknown>) => B;

export async function runPgBoss(request: RunRequest): Promise<RunResult> {
  const current = request.system === "pg-boss-12";
  const moduleName = current ? "pg-boss-current" : "pg-boss";
  const loaded = (await import(moduleName)) as { default?: unknown; PgBoss?: unknown };
  const PgBoss = (current ? loaded.PgBoss : loaded.default) as BossConstructor<BossV10 & BossV12>;
  const boss = new PgBoss({
    connectionString: request.databaseUrl,
    max: request.concurrency + 2,
    schedule: false,
  });
  boss.on("error", (error) =>
    console.error("pg-boss error:", error instanceof Error ? error.message : error),
  );
  const counter = new pg.Client({ connectionString: request.databaseUrl });
  await counter.connect();
  try {
    await boss.start();
    await boss.createQueue(QUEUE);

    const enqueueStart = performance.now();
    const data = Array.from({ length: request.jobs }, (_, i) => ({ i }));
    if (current) {
      await boss.insert(
        QUEUE,
        data.map((d) => ({ data: d })),
      );
    } else {
      await boss.insert(data.map((d) => ({ name: QUEUE, data: d })));
    }
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
    await counter.query("VACUUM ANALYZE pgboss.job");

    const noop = async () => {};
    const start = performance.now();
    if (current) {
      await boss.work(
        QUEUE,
        {
          batchSize: request.batchSize,
          localConcurrency: request.concurrency,
          pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
          burstWhenBatchFull: true,
        },
        noop,
      );
    } else {
      for (let i = 0; i < request.concurrency; i++) {
        await boss.work(
          QUEUE,
          { batchSize: request.batchSize, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
          noop,
        );
      }
    }
    await waitForCount(
      async () => {
        const { rows } = await counter.query<{ done: string }>(
          "SELECT count(*) AS done FROM pgboss.job WHERE name = $1 AND state = 'completed'",
          [QUEUE],
        );
        return Number(rows[0]?.done);
      },
      request.jobs,
      DRAIN_TIMEOUT_MS,
      request.system,
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      jobs: request.jobs,
      seconds,
      jobsPerSecond: request.jobs / seconds,
      enqueueSeconds,
      version: installedVersion(moduleName),
      node: process.version,
    };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 2_000 }).catch(() => {});
    await counter.end();
  }
}
