// Deno importing the npm-installed packages (node_modules beside package.json), like a Deno app would.
import { createEhrSyncHandler, ehrSyncOptionsFromEnv } from "@ehr-sync/adapter-supabase";
import { prepareSoapComposition } from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient, isEhrbaseClient } from "@ehr-sync/ehrbase-client";

const note = JSON.parse(await Deno.readTextFile(new URL("./note.json", import.meta.url)));
const prepared = prepareSoapComposition(note, { systemId: "local.ehrbase.org" });
if (!prepared.ok) throw new Error(`core under Deno: ${JSON.stringify(prepared.errors)}`);
if (!isEhrbaseClient(new EhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" })))
  throw new Error("client");
if (SOAP_TEMPLATE_OPT.length < 400_000) throw new Error("template");
const options = ehrSyncOptionsFromEnv({
  SUPABASE_DB_URL: "postgres://postgres:postgres@127.0.0.1:5432/postgres",
  EHRBASE_URL: "http://127.0.0.1:8085/ehrbase",
  EHRBASE_TOKEN: "token",
  EHR_SYNC_SHARED_SECRET: "a-shared-secret-of-some-length",
});
if (typeof createEhrSyncHandler !== "function" || options.ehrbase.auth?.type !== "bearer")
  throw new Error("adapter");
console.log("deno: ok");
