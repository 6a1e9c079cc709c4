import type { AttemptObservation } from "../queue/classify-outcome.js";

interface ErrorShape {
  status?: unknown;
  code?: unknown;
  requestSent?: unknown;
  uidAlreadyExists?: unknown;
  retryAfterMs?: unknown;
  serverMessage?: unknown;
}

/** EHRbase's ways of saying the template is unknown (2.16 answers a FLAT create with 400 "Could not
 * retrieve template for template Id: …"). */
const MISSING_TEMPLATE =
  /template(?:_id)?\s.*(?:does not exist|not found)|could not retrieve template for template id/i;

/**
 * Turns whatever a gateway threw into an observation for classifyAttempt. Duck-typed so core does not
 * depend on the client. Unknown errors count as "sent": assuming the request may have arrived is the
 * safe side (it leads to a look-up before any resend, never to a duplicate).
 */
export function observationFromError(error: unknown, templateId: string): AttemptObservation {
  const e = (error ?? {}) as ErrorShape;
  const requestSent = typeof e.requestSent === "boolean" ? e.requestSent : true;
  if (e.code === "timeout") return { kind: "timeout", requestSent };
  if (e.code === "network_error") return { kind: "network", requestSent };
  if (typeof e.status === "number") {
    // EHRbase reports an unknown template as 400, 422, or 500 for FLAT: either way the destination, not
    // the note, is at fault.
    if (
      (e.status === 400 || e.status === 422 || e.status === 500) &&
      MISSING_TEMPLATE.test(String(e.serverMessage ?? ""))
    ) {
      return { kind: "missing-template", templateId };
    }
    return {
      kind: "http",
      status: e.status,
      ...(typeof e.retryAfterMs === "number" ? { retryAfterMs: e.retryAfterMs } : {}),
      ...(e.uidAlreadyExists === true ? { uidAlreadyExists: true } : {}),
    };
  }
  // No status and no known code: a network-level failure, sent unless the error says otherwise.
  return { kind: "network", requestSent };
}

/** HTTP status of an error, when it has one (for the attempt log). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as ErrorShape | undefined)?.status;
  return typeof status === "number" ? status : undefined;
}
