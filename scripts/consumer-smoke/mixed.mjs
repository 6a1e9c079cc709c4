// The other direction: an ESM adapter-node given a client from the CommonJS build.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { createWorker } from "@ehr-sync/adapter-node";

const cjsClient = createRequire(import.meta.url)("@ehr-sync/ehrbase-client");
const client = new cjsClient.EhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" });
const worker = createWorker({ databaseUrl: "postgres://127.0.0.1:1/none", ehrbase: client, listen: false });
assert.equal(typeof worker.runOnce, "function");
await worker.stop();
console.log("mixed esm→cjs: ok");
