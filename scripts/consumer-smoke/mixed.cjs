// The dual-package hand-off: a CommonJS adapter-node given an EhrbaseClient from the ESM build, and
// errors crossing between the two builds. `instanceof` fails here; brand checks must not.
const assert = require("node:assert/strict");
const { createWorker } = require("@ehr-sync/adapter-node");
const cjsClient = require("@ehr-sync/ehrbase-client");

(async () => {
  const esmClient = await import("@ehr-sync/ehrbase-client");
  assert.notEqual(esmClient.EhrbaseClient, cjsClient.EhrbaseClient, "expected two copies of the class");
  const client = new esmClient.EhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" });
  // Taken for connection options, this would throw "EhrbaseClient: baseUrl must be an absolute http(s) URL".
  const worker = createWorker({ databaseUrl: "postgres://127.0.0.1:1/none", ehrbase: client, listen: false });
  assert.equal(typeof worker.runOnce, "function");
  await worker.stop();
  assert.ok(cjsClient.isEhrbaseClient(client));
  assert.ok(cjsClient.isEhrbaseError(esmClient.errorForStatus(422, { method: "POST", path: "/x" })));
  assert.ok(esmClient.isEhrbaseError(cjsClient.errorForStatus(412, { method: "POST", path: "/x" })));
  assert.ok(esmClient.isEhrbaseInputError(new cjsClient.EhrbaseInputError("subject.namespace", "is empty")));
  console.log("mixed cjs→esm: ok");
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
