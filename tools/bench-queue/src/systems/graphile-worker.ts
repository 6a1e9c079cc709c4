/**
 * graphile-worker with a no-op task: jobs pre-inserted in one `addJobs` call, then `run` with the same
 * concurrency as the other systems; done when its job table is empty (it deletes jobs on success).
 */
import pg from "pg";
import { DRAIN_TIMEOUT_MS, type RunRequest, type RunResult, waitForCount } from "../contract.js";
import { installedVersion } from "../installed-version.js";

type GraphileWorker = typeof import("graphile-worker");

/** 0.18 is installed under an alias and needs Node 22; its run/makeWorkerUtils API matches 0.17's. */
const MODULE_BY_SYSTEM = {
  "graphile-worker-0.17": "graphile-worker",
  "graphile-worker-0.18": "graphile-worker-current",
} as const;

export async function runGraphileWorker(request: RunRequest): Promise<RunResult> {
  const moduleName = MODULE_BY_SYSTEM[request.system as keyof typeof MODULE_BY_SYSTEM];
  const gw = (await import(moduleName)) as GraphileWorker;
  const logger = new gw.Logger(() => () => {});
  const poolSize = request.concurrency + 2;

  const utils = await gw.makeWorkerUtils({ connectionString: request.databaseUrl, logger });
  const counter = new pg.Client({ connectionString: request.databaseUrl });
  await counter.connect();
  try {
    await utils.migrate();
    const enqueueStart = performance.now();
    const specs = Array.from({ length: request.jobs }, (_, i) => ({ identifier: "noop", payload: { i } }));
    await utils.addJobs(specs);
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
    await counter.query("VACUUM ANALYZE graphile_worker._private_jobs");

    const start = performance.now();
    const runner = await gw.run({
      connectionString: request.databaseUrl,
      concurrency: request.concurrency,
      maxPoolSize: poolSize,
      noHandleSignals: true,
      logger,
      taskList: { noop: async () => {} },
    });
    await waitForCount(
      async () => {
        const { rows } = await counter.query<{ left: string }>(
          "SELECT count(*) AS left FROM graphile_worker._private_jobs",
        );
        return request.jobs - Number(rows[0]?.left);
      },
      request.jobs,
      DRAIN_TIMEOUT_MS,
      request.system,
    );
    const seconds = (performance.now() - start) / 1000;
    await runner.stop();
    return {
      jobs: request.jobs,
      seconds,
      jobsPerSecond: request.jobs / seconds,
      enqueueSeconds,
      version: installedVersion(moduleName),
      node: process.version,
    };
  } finally {
    await counter.end();
    await utils.release();
  }
}
