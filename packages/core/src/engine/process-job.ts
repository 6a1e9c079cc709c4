/**
 * One delivery attempt, written once for every adapter:
 * map + validate → ensure the patient's EHR → (reconcile) → create or update → classify → apply.
 *
 * Idempotency rests on the deterministic composition uid: a create that may have happened before is
 * never repeated blindly — the composition is looked up first, and a 412 "already exists" is treated
 * as the earlier success it is.
 */
import type { CustomMapping } from "../mapping/custom-mapping.js";
import type { RetryPolicy } from "../queue/backoff.js";
import { type AttemptObservation, type Classification, classifyAttempt } from "../queue/classify-outcome.js";
import { type Decision, decideAfterAttempt } from "../queue/decide.js";
import { observationFromError, statusOf } from "./observe-error.js";
import type {
  AttemptRecord,
  EhrGateway,
  FoundComposition,
  QueueJob,
  QueueStore,
  WrittenComposition,
} from "./ports.js";
import { guardStore, isStoreFailure } from "./store-failure.js";
import { ehrSubjectKey } from "./subject-key.js";

export interface ProcessJobOptions {
  store: QueueStore;
  gateway: EhrGateway;
  // biome-ignore lint/suspicious/noExplicitAny: the engine is agnostic of the mapping's input type
  mapping: CustomMapping<any>;
  /** Turns the queued payload into the mapping's input (default: the payload itself). */
  toInput?: (payload: unknown) => unknown;
  policy?: RetryPolicy;
  /**
   * The server's system id, resolved once at start-up (next to the template check). Without it the
   * engine asks the gateway per job (a server with no EHR yet cannot tell until one is created).
   */
  systemId?: string;
  now?: () => number;
  random?: () => number;
}

export type JobOutcome =
  | { type: "succeeded"; compositionUid: string; ehrId: string; action: AttemptRecord["action"] }
  | { type: "retry"; errorClass: string; delayMs: number }
  | { type: "dead"; errorClass: string; reason: string }
  | { type: "paused"; errorClass: string; delayMs: number }
  /** The lease was lost (taken over after expiry): nothing was written for this job. */
  | { type: "fenced" };

const MAX_REASON = 500;

/** Where the shipped mapping records the note version; custom mappings may not have it. */
function recordedNoteVersion(flat: Record<string, unknown>): number | undefined {
  for (const key in flat) {
    if (key.endsWith("/_feeder_audit/originating_system_audit|version_id")) {
      const n = Number(flat[key]);
      return Number.isInteger(n) ? n : undefined;
    }
  }
  return undefined;
}

/** The gateway's system id, or undefined when the server cannot tell yet (no EHR exists). */
async function systemIdIfKnown(gateway: EhrGateway): Promise<string | undefined> {
  try {
    return await gateway.systemId();
  } catch (error) {
    if ((error as { code?: unknown }).code === "not_found") return undefined;
    throw error;
  }
}

function withoutUid(flat: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in flat) if (!key.endsWith("/_uid")) copy[key] = flat[key];
  return copy;
}

/**
 * Runs one delivery attempt and applies its outcome. Rejects only when the queue store itself fails
 * (a StoreFailure): the adapter then leaves the job to lease rescue, which looks the composition up
 * before anything is sent again.
 */
export async function processJob(job: QueueJob, options: ProcessJobOptions): Promise<JobOutcome> {
  const { gateway, mapping } = options;
  const store = guardStore(options.store);
  const now = options.now ?? Date.now;
  const started = now();
  let action: AttemptRecord["action"] = "validate";

  /** The attempt's row in the log, written by the transition that follows it. */
  const attemptRecord = (classification: Classification, httpStatus?: number): AttemptRecord => ({
    action,
    durationMs: Math.round(now() - started),
    outcome: classification.outcome,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(classification.outcome !== "success" ? { errorClass: classification.errorClass } : {}),
  });

  const decide = (classification: Classification): Decision =>
    decideAfterAttempt({
      attempts: job.attempts - job.attemptsAtWindowStart + 1,
      firstEnqueuedAt: job.firstEnqueuedAt.getTime(),
      now: now(),
      classification,
      destinationPauses: (job.destinationPauses ?? 0) + 1,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.random ? { random: options.random } : {}),
    });

  const fail = async (
    observation: AttemptObservation,
    httpStatus?: number,
    detail?: string,
  ): Promise<JobOutcome> => {
    const classification = classifyAttempt(observation);
    const decision = decide(classification);
    const attempt = attemptRecord(classification, httpStatus);
    const reason = (detail ? `${classification.reason}: ${detail}` : classification.reason).slice(
      0,
      MAX_REASON,
    );
    switch (decision.type) {
      case "dead":
        return (await store.bury(job, { errorClass: decision.errorClass, reason, attempt }))
          ? { type: "dead", errorClass: decision.errorClass, reason }
          : { type: "fenced" };
      case "retry":
        return (await store.reschedule(job, {
          delayMs: decision.delayMs,
          errorClass: decision.errorClass,
          reason,
          reconcileFirst: decision.reconcileFirst || job.reconcileFirst,
          attempt,
        }))
          ? { type: "retry", errorClass: decision.errorClass, delayMs: decision.delayMs }
          : { type: "fenced" };
      case "pause-destination":
        return (await store.pauseDestination(job, {
          delayMs: decision.delayMs,
          errorClass: decision.errorClass,
          reason,
          attempt,
        }))
          ? { type: "paused", errorClass: decision.errorClass, delayMs: decision.delayMs }
          : { type: "fenced" };
      case "complete":
        throw new Error("a failed attempt cannot complete");
    }
  };

  let prepared: ReturnType<typeof mapping.prepare>;
  /** Set when the patient's EHR had to be ensured before the system id could be known. */
  let ensuredEhrId: string | undefined;
  try {
    const input = options.toInput ? options.toInput(job.payload) : job.payload;
    const uidScope = job.uidScope;
    const systemId = options.systemId ?? (await systemIdIfKnown(gateway));
    if (systemId !== undefined) {
      prepared = mapping.prepare(input, { systemId, uidScope });
    } else {
      // A server with no EHR yet has no system id to read; it is learnt from the first EHR created.
      // The patient comes from the validated input (an invalid note fails here), their EHR is ensured,
      // and only then is the note mapped, once.
      const subject = mapping.subject(input);
      if (subject.ok) {
        action = "ensure-ehr";
        ensuredEhrId = await gateway.ensureEhr(subject.ehrSubject);
        await store.rememberEhr(ehrSubjectKey(subject.ehrSubject), ensuredEhrId);
        action = "validate";
        prepared = mapping.prepare(input, { systemId: await gateway.systemId(), uidScope });
      } else {
        prepared = subject;
      }
    }
  } catch (error) {
    if (isStoreFailure(error)) throw error;
    return fail(observationFromError(error, mapping.templateId), statusOf(error));
  }
  if (!prepared.ok) {
    // Field names and rule texts only: the validators never quote values.
    const fields = prepared.errors.map((e) => e.field);
    const detail = prepared.errors.map((e) => e.message).join("; ");
    return fail(
      { kind: "invalid-input", field: fields.join(", "), reason: "invalid note" },
      undefined,
      detail,
    );
  }

  const uuid = prepared.compositionUuid;
  // The EHR is the one of the note's own subject (namespace + id). An EHR id that came with the job
  // is trusted only when the job was keyed by that same subject: never another patient's EHR.
  const subjectKey = ehrSubjectKey(prepared.ehrSubject);
  const claimedEhrId = job.patientKey === subjectKey ? job.knownEhrId : undefined;
  let ehrId: string;
  let versionUid: string;
  /** What EHRbase answered to the call that delivered (or confirmed) the composition. */
  let httpStatus: number | undefined;
  try {
    action = "ensure-ehr";
    const known = ensuredEhrId ?? claimedEhrId ?? (await store.ehrIdFor(subjectKey));
    if (known) {
      ehrId = known;
    } else {
      ehrId = await gateway.ensureEhr(prepared.ehrSubject);
      await store.rememberEhr(subjectKey, ehrId);
    }

    const lookUp = async (): Promise<FoundComposition | null> => {
      action = "reconcile";
      const lookUpStarted = now();
      const found = await gateway.findComposition(ehrId, uuid, prepared.templateId);
      // Every completed look-up is logged with the status EHRbase answered, so the audit trail shows
      // each resend preceded by its look-up (a create after a look-up that found nothing is logged as
      // "create" only). A failed look-up is the attempt's outcome, logged with the transition.
      await store.recordAttempt(job, {
        action: "reconcile",
        httpStatus: found === null ? 404 : found.deleted ? 204 : (found.status ?? 200),
        durationMs: Math.round(now() - lookUpStarted),
        outcome: "success",
      });
      if (found && !found.deleted) httpStatus = found.status;
      return found;
    };
    const written = (result: WrittenComposition): string => {
      httpStatus = result.status;
      return result.versionUid;
    };
    const create = async (): Promise<string> => {
      action = "create";
      try {
        return written(
          await gateway.createComposition(ehrId, prepared.flat, {
            templateId: prepared.templateId,
            uid: prepared.compositionUid,
          }),
        );
      } catch (error) {
        // The uid exists: an earlier attempt (ours or another worker's) stored it. Confirm and finish.
        if ((error as { uidAlreadyExists?: unknown }).uidAlreadyExists !== true) throw error;
        const found = await lookUp();
        if (found && !found.deleted) return found.versionUid;
        throw error;
      }
    };

    if (job.reconcileFirst || job.noteVersion > 1) {
      const found = await lookUp();
      if (found?.deleted) {
        return fail({ kind: "http", status: 409 }, undefined, "the composition was deleted in EHRbase");
      }
      if (!found) {
        versionUid = await create();
      } else {
        const recorded = recordedNoteVersion(found.flat);
        const alreadyThere = recorded !== undefined ? recorded >= job.noteVersion : job.noteVersion === 1;
        if (alreadyThere) {
          versionUid = found.versionUid;
        } else {
          action = "update";
          // An amendment is a new version of the same composition, never a second composition, in
          // the template it was first committed with (e.g. before the shipped template moved to v2).
          const templateId = (await gateway.compositionTemplateId?.(ehrId, uuid)) ?? prepared.templateId;
          versionUid = written(
            await gateway.updateComposition(ehrId, uuid, found.versionUid, withoutUid(prepared.flat), {
              templateId,
            }),
          );
        }
      }
    } else {
      versionUid = await create();
    }
  } catch (error) {
    if (isStoreFailure(error)) throw error;
    const status = statusOf(error);
    const paths = (error as { violations?: { path: string }[] }).violations?.map((v) => v.path);
    return fail(
      observationFromError(error, prepared.templateId),
      status,
      paths && paths.length > 0 ? `violations at ${paths.slice(0, 5).join(", ")}` : undefined,
    );
  }

  // Delivered. The success is logged by complete() in the same transaction as the job's completion.
  // A failure here is the store's (thrown as such), never a reason to send the note again.
  const success = classifyAttempt({ kind: "success", versionUid });
  const attempt: AttemptRecord = {
    action,
    durationMs: Math.round(now() - started),
    outcome: success.outcome,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
  };
  return (await store.complete(job, { ehrId, compositionUid: versionUid, attempt }))
    ? { type: "succeeded", compositionUid: versionUid, ehrId, action }
    : { type: "fenced" };
}
