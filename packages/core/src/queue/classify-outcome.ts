/**
 * Classifies one delivery attempt to EHRbase. The class decides what the queue does next
 * (see decide.ts); errorClass is a stable, PHI-free label for tables and metrics.
 */
import type { AttemptOutcome } from "../vocabulary.js";

/** The attempt log's outcome names (see vocabulary.ts). */
export type OutcomeClass = AttemptOutcome;

export type AttemptObservation =
  | { kind: "success"; versionUid?: string }
  /** A response arrived. uidAlreadyExists: 412 whose message says the client-supplied uid "already exists". */
  | { kind: "http"; status: number; retryAfterMs?: number; uidAlreadyExists?: boolean }
  | { kind: "timeout"; requestSent: boolean }
  | { kind: "network"; requestSent: boolean }
  /** Mapping/validation failed before any send. Only the field name and a PHI-free reason. */
  | { kind: "invalid-input"; field: string; reason: string }
  | { kind: "missing-template"; templateId: string };

export interface Classification {
  outcome: OutcomeClass;
  errorClass: string;
  reason: string;
  retryAfterMs?: number;
}

function withRetryAfter(c: Classification, retryAfterMs: number | undefined): Classification {
  return retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
    ? { ...c, retryAfterMs }
    : c;
}

function classifyHttp(status: number, retryAfterMs?: number, uidAlreadyExists?: boolean): Classification {
  if (status >= 200 && status < 300) {
    return { outcome: "success", errorClass: "none", reason: `HTTP ${status}` };
  }
  switch (status) {
    case 400:
    case 415:
    case 422:
      // The server rejected the content itself; resending the same bytes cannot help.
      return {
        outcome: "permanent",
        errorClass: `http-${status}`,
        reason: `EHRbase rejected the composition (HTTP ${status})`,
      };
    case 401:
    case 403:
      // Credentials/permissions are wrong for every job: pause the destination, spend no attempts.
      return {
        outcome: "systemic",
        errorClass: `http-${status}`,
        reason: `EHRbase refused authorisation (HTTP ${status})`,
      };
    case 404:
      // On composition create, 404 means the EHR is missing (or the ehr_id is not a UUID). The worker
      // ensures the EHR before posting, so this is a race with EHR creation or an EHR removed by an
      // operator: retry with backoff; max attempts/age turn a persistent case into a dead job.
      return withRetryAfter(
        { outcome: "transient", errorClass: "ehr-not-found", reason: "EHR not found (HTTP 404)" },
        retryAfterMs,
      );
    case 409:
      // EHR is_modifiable=false or a version conflict: needs a human, retrying will not change it.
      return {
        outcome: "permanent",
        errorClass: "http-409",
        reason: "EHR does not allow modification or conflicts (HTTP 409)",
      };
    case 412:
      if (uidAlreadyExists) {
        // Our deterministic uid is already stored: an earlier attempt landed. Reconcile (GET), then complete.
        return {
          outcome: "ambiguous",
          errorClass: "uid-already-exists",
          reason: "composition uid already exists (HTTP 412)",
        };
      }
      // Invalid version or system id in the uid: configuration/data error, not fixed by retrying.
      return {
        outcome: "permanent",
        errorClass: "http-412",
        reason: "precondition failed: invalid composition uid (HTTP 412)",
      };
    case 429:
      return withRetryAfter(
        { outcome: "transient", errorClass: "http-429", reason: "rate limited (HTTP 429)" },
        retryAfterMs,
      );
    case 503:
      // Service unavailable is an explicit "not processed" signal: safe to resend without reconciling.
      return withRetryAfter(
        { outcome: "transient", errorClass: "http-503", reason: "EHRbase unavailable (HTTP 503)" },
        retryAfterMs,
      );
    case 408:
    case 425:
      // The server may have processed part of the request before giving up.
      return withRetryAfter(
        {
          outcome: "ambiguous",
          errorClass: `http-${status}`,
          reason: `request may have been processed (HTTP ${status})`,
        },
        retryAfterMs,
      );
  }
  if (status >= 500) {
    // 500/502/504 (and other 5xx): the body was sent, the composition may be stored. EHRbase also
    // reports a concurrent duplicate-uid insert as 500, so reconcile before any resend.
    return withRetryAfter(
      {
        outcome: "ambiguous",
        errorClass: `http-${status}`,
        reason: `server error after send (HTTP ${status})`,
      },
      retryAfterMs,
    );
  }
  // Remaining 4xx and unexpected 1xx/3xx: the request as built is not acceptable; a human must look.
  return {
    outcome: "permanent",
    errorClass: `http-${status}`,
    reason: `unexpected response (HTTP ${status})`,
  };
}

export function classifyAttempt(o: AttemptObservation): Classification {
  switch (o.kind) {
    case "success":
      return { outcome: "success", errorClass: "none", reason: "composition stored" };
    case "http":
      return classifyHttp(o.status, o.retryAfterMs, o.uidAlreadyExists);
    case "timeout":
      return o.requestSent
        ? {
            outcome: "ambiguous",
            errorClass: "timeout-after-send",
            reason: "timed out after the request was sent",
          }
        : {
            outcome: "transient",
            errorClass: "timeout-before-send",
            reason: "timed out before the request was sent",
          };
    case "network":
      return o.requestSent
        ? {
            outcome: "ambiguous",
            errorClass: "network-after-send",
            reason: "connection lost after the request was sent",
          }
        : {
            outcome: "transient",
            errorClass: "network-before-send",
            reason: "connection refused before the request was sent",
          };
    case "invalid-input":
      // Only the field name and reason: never the value (it may be patient data).
      return {
        outcome: "permanent",
        errorClass: "invalid-input",
        reason: `invalid input in field "${o.field}": ${o.reason}`,
      };
    case "missing-template":
      // A missing template breaks every note of that template: pause, let an operator upload it.
      return {
        outcome: "systemic",
        errorClass: "missing-template",
        reason: `template "${o.templateId}" is not uploaded to EHRbase`,
      };
  }
}
