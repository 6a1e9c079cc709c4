// TypeScript consumer (ESM side), compiled with skipLibCheck: false under `nodenext` and `bundler`.
import { createWorker, migrate, type WorkerOptions } from "@ehr-sync/adapter-node";
import { createEhrSyncHandler, ehrSyncOptionsFromEnv } from "@ehr-sync/adapter-supabase";
import { prepareSoapComposition, SOAP_TEMPLATE_ID, type SoapNote } from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import {
  type AnyEhrbaseError,
  type EhrbaseAuth,
  EhrbaseClient,
  isEhrbaseError,
} from "@ehr-sync/ehrbase-client";

// pg's types are part of adapter-node's public types: without @types/pg installed this line would
// type-check (the option degrades to `any`) and the expectation below would fail the build.
// @ts-expect-error a number is neither a connection string nor a pg.ClientConfig
void migrate(12345);

const auth: EhrbaseAuth = {
  type: "oauth2-client-credentials",
  tokenUrl: "https://idp/token",
  clientId: "a",
  clientSecret: "b",
};
const withAuth: WorkerOptions = {
  databaseUrl: "postgres://db",
  ehrbase: { baseUrl: "http://eb", auth },
  pool: { max: 3 },
};
const withClient: WorkerOptions = {
  databaseUrl: "postgres://db",
  ehrbase: new EhrbaseClient({ baseUrl: "http://eb" }),
};
const badPool: WorkerOptions = {
  databaseUrl: "postgres://db",
  ehrbase: { baseUrl: "http://eb", auth },
  // @ts-expect-error pool.max is a number in pg.PoolConfig
  pool: { max: "3" },
};

export function describeError(error: unknown): string {
  if (!isEhrbaseError(error)) return "not from EHRbase";
  const narrowed: AnyEhrbaseError = error;
  switch (narrowed.code) {
    case "validation_failed":
      return narrowed.violations.map((v) => v.path).join(", ");
    case "precondition_failed":
      return String(narrowed.uidAlreadyExists);
    case "timeout":
    case "network_error":
      return String(narrowed.requestSent);
    default:
      return narrowed.code;
  }
}

export function prepare(note: SoapNote): string {
  const prepared = prepareSoapComposition(note, { systemId: "local.ehrbase.org" });
  return prepared.ok ? prepared.compositionUid : prepared.errors.map((e) => e.field).join();
}

export const used = [
  createWorker,
  createEhrSyncHandler,
  ehrSyncOptionsFromEnv,
  withAuth,
  withClient,
  badPool,
];
export const template: [string, number] = [SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT.length];
