// ESM consumer: every package loads from the installed tarballs and does something real offline.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as adapterNode from "@ehr-sync/adapter-node";
import * as adapterSupabase from "@ehr-sync/adapter-supabase";
import * as core from "@ehr-sync/core";
import { SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient, isEhrbaseClient } from "@ehr-sync/ehrbase-client";

assert.equal(typeof adapterNode.createWorker, "function");
assert.equal(typeof adapterNode.migrate, "function");
assert.equal(typeof adapterSupabase.createEhrSyncHandler, "function");
assert.ok(isEhrbaseClient(new EhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" })));

// The template is its own entry: the main entry neither exports nor bundles it.
assert.equal(SOAP_TEMPLATE_ID, core.SOAP_TEMPLATE_ID);
assert.ok(SOAP_TEMPLATE_OPT.length > 400_000 && SOAP_TEMPLATE_OPT.includes("<template xmlns"));
assert.equal("SOAP_TEMPLATE_OPT" in core, false);
const mainFile = createRequire(import.meta.url)
  .resolve("@ehr-sync/core")
  .replace(/\.cjs$/, ".js");
const main = readFileSync(mainFile, "utf8");
assert.ok(!main.includes("<template xmlns"), "core's main ESM entry carries the OPT");
assert.ok(!/from\s*["']\.\//.test(main), "core's main ESM entry imports a chunk");

const note = JSON.parse(readFileSync(new URL("./note.json", import.meta.url), "utf8"));
const prepared = core.prepareSoapComposition(note, { systemId: "local.ehrbase.org" });
assert.ok(prepared.ok, JSON.stringify(prepared.ok ? [] : prepared.errors));
console.log("esm: ok");
