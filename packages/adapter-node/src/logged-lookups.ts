/**
 * The engine logs one attempt per delivery, under its last action: a look-up that found nothing and
 * was followed by a create shows up as "create" only. Logging every completed look-up of a job as a
 * "reconcile" attempt keeps the audit trail provable: each resend is preceded by a recorded look-up.
 * Failed look-ups are already logged by the engine (as "reconcile" with their error class).
 */
import type { EhrGateway, QueueJob, QueueStore } from "@ehr-sync/core";

export function withLoggedLookups(gateway: EhrGateway, store: QueueStore, job: QueueJob): EhrGateway {
  return {
    ...gateway,
    findComposition: async (ehrId, uuid, templateId) => {
      const started = performance.now();
      const found = await gateway.findComposition(ehrId, uuid, templateId);
      await store.recordAttempt(job, {
        action: "reconcile",
        httpStatus: found === null ? 404 : found.deleted ? 204 : 200,
        durationMs: Math.round(performance.now() - started),
        outcome: "success",
      });
      return found;
    },
  };
}
