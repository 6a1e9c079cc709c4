/**
 * What the sync engine needs from the outside world, as interfaces: a queue store (PostgreSQL via
 * `pg`, postgres.js or RPC) and an EHR gateway (EHRbase via @ehr-sync/ehrbase-client). The engine
 * imports neither, so it runs unchanged in Node and Deno.
 */

/** A leased job as the store hands it over. */
export interface QueueJob {
  id: string;
  noteId: string;
  noteVersion: number;
  /** Opaque patient key from the app; never logged. */
  patientKey: string;
  /** The queued record (the signed note row); input for the mapping. */
  payload: unknown;
  attempts: number;
  attemptsAtWindowStart: number;
  firstEnqueuedAt: Date;
  enqueuedAt: Date;
  leaseToken: string;
  /** The last attempt may have reached EHRbase: look the composition up before sending. */
  reconcileFirst: boolean;
  /**
   * The patient's EHR id, when the store already knew it at claim time (saves a look-up). The engine
   * uses it only when `patientKey` is the note's own subject key (ehrSubjectKey).
   */
  knownEhrId?: string;
  /**
   * Set for notes of an app table attached after another one: the composition uid derives from
   * `{uidScope}:{noteId}`, so two tables whose note ids overlap never share a composition.
   */
  uidScope?: string;
  /**
   * A worker holding this job was lost before (crash, kill, CPU limit): it may be what kills workers.
   * It was claimed alone and must run alone, so that it spends only its own attempts.
   */
  solo?: boolean;
  /** The destination's consecutive pauses at claim time (0 when healthy): grows the next pause. */
  destinationPauses?: number;
}

export interface AttemptRecord {
  action: "validate" | "ensure-ehr" | "create" | "update" | "reconcile";
  httpStatus?: number;
  durationMs: number;
  outcome: "success" | "permanent" | "ambiguous" | "transient" | "systemic";
  errorClass?: string;
}

/** What a successful delivery hands to the store. */
export interface CompletedDelivery {
  ehrId: string;
  compositionUid: string;
  attempt: AttemptRecord;
}

/**
 * Every method is fenced by the job's lease token; `false` means another worker owns the job now.
 * Patient keys are subject keys (ehrSubjectKey). A method that throws is a store failure, never an
 * EHRbase outcome (see guardStore).
 */
export interface QueueStore {
  /** Appends a look-up's attempt row (a failure or success is logged by its transition). */
  recordAttempt(job: QueueJob, attempt: AttemptRecord): Promise<void>;
  /**
   * Records the successful attempt and completes the job, atomically (ehr_sync.complete_batch): the
   * attempt is logged even when the lease was lost, because the request did happen.
   */
  complete(job: QueueJob, result: CompletedDelivery): Promise<boolean>;
  /**
   * The failure transitions log their attempt in the same statement (SQL 0008), likewise even when the
   * lease was lost.
   */
  reschedule(
    job: QueueJob,
    retry: {
      delayMs: number;
      errorClass: string;
      reason: string;
      reconcileFirst: boolean;
      attempt: AttemptRecord;
    },
  ): Promise<boolean>;
  bury(
    job: QueueJob,
    failure: { errorClass: string; reason: string; attempt: AttemptRecord },
  ): Promise<boolean>;
  pauseDestination(
    job: QueueJob,
    pause: { delayMs: number; errorClass: string; reason: string; attempt: AttemptRecord },
  ): Promise<boolean>;
  release(job: QueueJob): Promise<boolean>;
  ehrIdFor(patientKey: string): Promise<string | null>;
  rememberEhr(patientKey: string, ehrId: string): Promise<void>;
}

/**
 * `status` is the HTTP status the server answered, for the attempt log (a gateway that cannot tell
 * leaves it out; a deletion marker is EHRbase's 204, and `null` its 404).
 */
export type FoundComposition =
  | { deleted: false; versionUid: string; flat: Record<string, unknown>; status?: number }
  | { deleted: true };

/** A composition written; `status` as in FoundComposition. */
export interface WrittenComposition {
  versionUid: string;
  status?: number;
}

/**
 * Errors thrown by a gateway should carry what the engine classifies on: `status` (HTTP), `code`
 * ("timeout" | "network_error"), `requestSent`, `uidAlreadyExists`, `retryAfterMs`, `serverMessage`.
 * @ehr-sync/ehrbase-client's errors do.
 */
export interface EhrGateway {
  /**
   * The server's system id (part of every version uid). May reject with `code: "not_found"` while the
   * server has no EHR to read it from; the engine then ensures the patient's EHR first and asks again.
   */
  systemId(): Promise<string>;
  ensureEhr(subject: { id: string; namespace: string }): Promise<string>;
  findComposition(ehrId: string, uuid: string, templateId: string): Promise<FoundComposition | null>;
  createComposition(
    ehrId: string,
    flat: Record<string, unknown>,
    options: { templateId: string; uid: string },
  ): Promise<WrittenComposition>;
  /**
   * The template the stored composition was committed with (an amendment must keep it: EHRbase does
   * not move a composition to another template). Optional: without it the mapping's template is used.
   */
  compositionTemplateId?(ehrId: string, uuid: string): Promise<string | undefined>;
  updateComposition(
    ehrId: string,
    uuid: string,
    precedingVersionUid: string,
    flat: Record<string, unknown>,
    options: { templateId: string },
  ): Promise<WrittenComposition>;
}
