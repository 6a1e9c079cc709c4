// CommonJS consumer: require() of every package and of the template subpath.
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const core = require("@ehr-sync/core");
const { SOAP_TEMPLATE_OPT } = require("@ehr-sync/core/template");
const { EhrbaseClient, isEhrbaseError, errorForStatus } = require("@ehr-sync/ehrbase-client");
const { createWorker } = require("@ehr-sync/adapter-node");
const { createEhrSyncHandler } = require("@ehr-sync/adapter-supabase");

assert.equal(typeof createWorker, "function");
assert.equal(typeof createEhrSyncHandler, "function");
assert.ok(SOAP_TEMPLATE_OPT.length > 400_000);
// require("@ehr-sync/core") loaded no file that holds the template.
const coreFiles = Object.keys(require.cache).filter((f) => f.includes("@ehr-sync/core"));
assert.ok(coreFiles.some((f) => f.endsWith("template.cjs")));
for (const file of coreFiles.filter((f) => !f.endsWith("template.cjs"))) {
  assert.ok(!readFileSync(file, "utf8").includes("<template xmlns"), `${file} carries the OPT`);
}
assert.ok(isEhrbaseError(errorForStatus(409, { method: "GET", path: "/x" })));
assert.ok(new EhrbaseClient({ baseUrl: "http://127.0.0.1:8085" }).openehrUrl.endsWith("/rest/openehr/v1"));
const note = JSON.parse(readFileSync(`${__dirname}/note.json`, "utf8"));
assert.ok(core.prepareSoapComposition(note, { systemId: "local.ehrbase.org" }).ok);
console.log("cjs: ok");
