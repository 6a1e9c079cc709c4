/**
 * Child-process entry: measures one system once and prints its RunResult as the last stdout line.
 * Usage: node --import tsx src/run-one.ts '<RunRequest JSON>'
 */
import type { RunRequest, RunResult } from "./contract.js";
import { runEhrSync } from "./systems/ehr-sync.js";
import { runGraphileWorker } from "./systems/graphile-worker.js";
import { runPgBoss } from "./systems/pg-boss.js";

async function measure(request: RunRequest): Promise<RunResult> {
  switch (request.system) {
    case "ehr-sync":
      return runEhrSync(request);
    case "graphile-worker-0.17":
    case "graphile-worker-0.18":
      return runGraphileWorker(request);
    case "pg-boss-10":
    case "pg-boss-12":
      return runPgBoss(request);
  }
}

const argument = process.argv[2];
if (!argument) throw new Error("run-one: missing the RunRequest JSON argument");
const result = await measure(JSON.parse(argument) as RunRequest);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
