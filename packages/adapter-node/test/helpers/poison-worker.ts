/**
 * A worker process that dies (SIGKILL, as the kernel's OOM killer or an edge CPU limit would) as soon
 * as it starts delivering a note whose plan is "POISON". Run with `node --import tsx`; configured by
 * DATABASE_URL, EHRBASE_URL, EHRBASE_USER, EHRBASE_PASSWORD.
 */
import { soapNoteFromRow } from "@ehr-sync/core";
import { createWorker } from "../../src/worker.js";

const worker = createWorker({
  databaseUrl: process.env.DATABASE_URL as string,
  ehrbase: {
    baseUrl: process.env.EHRBASE_URL as string,
    username: process.env.EHRBASE_USER as string,
    password: process.env.EHRBASE_PASSWORD as string,
  },
  concurrency: 2,
  leaseSeconds: 1,
  pollIntervalMs: 200,
  toInput: (payload) => {
    if ((payload as { plan?: unknown }).plan === "POISON") process.kill(process.pid, "SIGKILL");
    return soapNoteFromRow(payload);
  },
});
await worker.start();
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
