/**
 * Wires one invocation: the shared SQL store, the shared sync engine (@ehr-sync/core processJob with
 * the shipped SOAP mapping) and EHRbase (@ehr-sync/ehrbase-client), all bound to the invocation's
 * deadline. Nothing here decides an outcome: the engine does, the SQL applies it.
 */
import {
  type CustomMapping,
  createSoapMapping,
  type DrainPorts,
  ehrbaseGateway,
  fetchBoundTo,
  type ItemOutcome,
  type JobOutcome,
  processJob,
  type QueueJob,
  type QueueStore,
  soapNoteFromRow,
  sqlQueueStore,
} from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import type { Sql } from "./database.js";
import type { ResolvedOptions } from "./options.js";

const shippedMapping = createSoapMapping();

/** Uploads the shipped template once per function instance ("already exists" counts as done). */
const templatesEnsured = new WeakMap<object, Promise<unknown>>();
/**
 * The server's system id, also once per function instance. A server that cannot tell yet (no EHR)
 * leaves it to the engine, which learns it with the first delivery.
 */
const systemIds = new WeakMap<object, string>();

export function createQueuePorts(
  sql: Sql,
  options: ResolvedOptions,
  deadline: AbortSignal,
): DrainPorts<QueueJob> {
  const store = sqlQueueStore((text, values) => sql.unsafe(text, values as never[]), {
    workerId: options.workerName,
  });
  const client = new EhrbaseClient({ ...options.ehrbase, fetch: fetchBoundTo(deadline) });
  const gateway = ehrbaseGateway(client);
  const mapping: CustomMapping<unknown> = shippedMapping as CustomMapping<unknown>;
  const engineStore = handBackAfterDeadline(store, deadline);
  let templateReady = templatesEnsured.get(options);
  return {
    claim: (limit, leaseSeconds, preferFromId) => store.claim(limit, leaseSeconds, preferFromId),
    idOf: (job) => job.id,
    process: async (job) => {
      if (!templateReady) {
        templateReady = client.templates.ensure(SOAP_TEMPLATE_OPT).catch((error) => {
          // Not fatal here: the engine classifies a missing template (destination pause) itself.
          templatesEnsured.delete(options);
          return error;
        });
        templatesEnsured.set(options, templateReady);
      }
      await templateReady;
      const systemId = systemIds.get(options) ?? (await client.systemId().catch(() => undefined));
      if (systemId) systemIds.set(options, systemId);
      return itemOutcome(
        await processJob(job, {
          store: engineStore,
          gateway,
          mapping,
          toInput: soapNoteFromRow,
          ...(systemId ? { systemId } : {}),
        }),
      );
    },
    release: async (jobs) => {
      let released = 0;
      for (const job of jobs) if (await store.release(job)) released += 1;
      return released;
    },
  };
}

function itemOutcome(outcome: JobOutcome): ItemOutcome {
  switch (outcome.type) {
    case "succeeded":
      return "succeeded";
    case "retry":
    case "paused":
      return "retried";
    case "dead":
      return "dead";
    case "fenced":
      return "skipped";
  }
}

/**
 * Once the deadline has fired, EHRbase calls are aborted and the engine would record that as a
 * failed attempt. It must not: the item was cut short by our budget, not by EHRbase. So failure
 * transitions after the deadline are refused here (reported as "fenced") and the drain releases the
 * item without an attempt instead. A success is still recorded: the composition did arrive.
 */
function handBackAfterDeadline(store: QueueStore, deadline: AbortSignal): QueueStore {
  const refused = async () => false;
  return {
    recordAttempt: (job, attempt) =>
      deadline.aborted ? Promise.resolve() : store.recordAttempt(job, attempt),
    complete: (job, result) => store.complete(job, result),
    reschedule: (job, retry) => (deadline.aborted ? refused() : store.reschedule(job, retry)),
    bury: (job, failure) => (deadline.aborted ? refused() : store.bury(job, failure)),
    pauseDestination: (job, pause) => (deadline.aborted ? refused() : store.pauseDestination(job, pause)),
    release: (job) => store.release(job),
    ehrIdFor: (patientKey) => store.ehrIdFor(patientKey),
    rememberEhr: (patientKey, ehrId) => store.rememberEhr(patientKey, ehrId),
  };
}
