/**
 * One error hierarchy callers can switch on (`error.code`), each marked retryable or not.
 *
 * `message` holds the method, the URL path (never the query string, which can carry subject ids), the
 * status and, for 422, the violating paths. EHRbase echoes submitted values in its 400/422 texts (a
 * value that failed a pattern or a range), so the server's text is kept only on `serverMessage`, for
 * callers who know where it goes; request bodies appear in neither.
 */

export type EhrbaseErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "precondition_failed"
  | "unsupported_media_type"
  | "validation_failed"
  | "server_error"
  | "unexpected_status"
  | "timeout"
  | "network_error";

export interface EhrbaseErrorDetails {
  status?: number;
  method: string;
  path: string;
  serverMessage?: string;
  /** The server's Retry-After (429/503), in ms, for callers that schedule their own retries. */
  retryAfterMs?: number;
  cause?: unknown;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * Marks every EhrbaseError. `Symbol.for` is shared by all copies of this package in a process (the ESM
 * and the CommonJS build, two installed versions), where `instanceof` would only know its own class.
 */
const ERROR_BRAND = Symbol.for("@ehr-sync/ehrbase-client/EhrbaseError");

export class EhrbaseError extends Error {
  readonly code: EhrbaseErrorCode;
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly serverMessage: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: EhrbaseErrorCode,
    retryable: boolean,
    details: EhrbaseErrorDetails,
    what?: string,
    extra = "",
  ) {
    const status = details.status;
    const head =
      status !== undefined ? `HTTP ${status}${REASONS[status] ? ` ${REASONS[status]}` : ""}` : (what ?? code);
    // The server's text stays out of `message`: EHRbase echoes submitted values in it.
    super(`EHRbase ${details.method} ${details.path} failed with ${head}${extra}`, { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.serverMessage = details.serverMessage;
    this.retryable = retryable;
    this.retryAfterMs = details.retryAfterMs;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }
}

export class EhrbaseBadRequestError extends EhrbaseError {
  declare readonly code: "bad_request";
  constructor(d: EhrbaseErrorDetails) {
    super("bad_request", false, d);
  }
}

/** 401 and 403: credentials are wrong or lack a role. Retrying the same call cannot help. */
export class EhrbaseUnauthorizedError extends EhrbaseError {
  declare readonly code: "unauthorized";
  constructor(d: EhrbaseErrorDetails) {
    super("unauthorized", false, d);
  }
}

export class EhrbaseNotFoundError extends EhrbaseError {
  declare readonly code: "not_found";
  constructor(d: EhrbaseErrorDetails) {
    super("not_found", false, d);
  }
}

export class EhrbaseConflictError extends EhrbaseError {
  declare readonly code: "conflict";
  constructor(d: EhrbaseErrorDetails) {
    super("conflict", false, d);
  }
}

export class EhrbasePreconditionFailedError extends EhrbaseError {
  declare readonly code: "precondition_failed";
  /** EHRbase's answer to a client-supplied composition uid that exists already (the write happened before). */
  readonly uidAlreadyExists: boolean;
  constructor(d: EhrbaseErrorDetails) {
    super("precondition_failed", false, d);
    this.uidAlreadyExists = /already exists/i.test(d.serverMessage ?? "");
  }
}

export class EhrbaseUnsupportedMediaTypeError extends EhrbaseError {
  declare readonly code: "unsupported_media_type";
  constructor(d: EhrbaseErrorDetails) {
    super("unsupported_media_type", false, d);
  }
}

export interface Violation {
  /** The AQL path EHRbase reported, e.g. `/content[openEHR-EHR-SECTION.adhoc.v1]/items[…]`. */
  path: string;
  message: string;
}

/**
 * 422: the composition breaks its template. EHRbase joins violations as `"<path>: <text>, <path>: <text>"`;
 * `message` lists the paths only (the texts can quote submitted values), `violations` has both.
 */
export class EhrbaseValidationError extends EhrbaseError {
  declare readonly code: "validation_failed";
  readonly violations: Violation[];
  constructor(d: EhrbaseErrorDetails) {
    const violations = parseViolations(d.serverMessage ?? "");
    const paths = violations.map((v) => v.path);
    super(
      "validation_failed",
      false,
      d,
      undefined,
      paths.length > 0 ? ` (${paths.length} violation(s) at ${paths.slice(0, 5).join(", ")})` : "",
    );
    this.violations = violations;
  }
}

export class EhrbaseServerError extends EhrbaseError {
  declare readonly code: "server_error";
  constructor(d: EhrbaseErrorDetails) {
    // 502/503/504 mean the request did not reach or finish in EHRbase; a plain 500 may have committed.
    super("server_error", d.status === 502 || d.status === 503 || d.status === 504, d);
  }
}

export class EhrbaseUnexpectedStatusError extends EhrbaseError {
  declare readonly code: "unexpected_status";
  constructor(d: EhrbaseErrorDetails) {
    super("unexpected_status", d.status === 429 || d.status === 408, d);
  }
}

export class EhrbaseTimeoutError extends EhrbaseError {
  declare readonly code: "timeout";
  /** True when the request had been handed to the network: the server may have acted on it. */
  readonly requestSent: boolean;
  constructor(d: EhrbaseErrorDetails & { requestSent: boolean; timeoutMs: number }) {
    super("timeout", true, d, `a timeout after ${d.timeoutMs} ms`);
    this.requestSent = d.requestSent;
  }
}

export class EhrbaseNetworkError extends EhrbaseError {
  declare readonly code: "network_error";
  /** False when the connection was refused or the name did not resolve: nothing reached the server. */
  readonly requestSent: boolean;
  constructor(d: EhrbaseErrorDetails & { requestSent: boolean }) {
    super("network_error", true, d, "a network error");
    this.requestSent = d.requestSent;
  }
}

/**
 * Every error the client throws for a failed request. `code` tells them apart, so a `switch` on it
 * narrows to the class (`"validation_failed"` → `violations`, `"precondition_failed"` → `uidAlreadyExists`).
 */
export type AnyEhrbaseError =
  | EhrbaseBadRequestError
  | EhrbaseUnauthorizedError
  | EhrbaseNotFoundError
  | EhrbaseConflictError
  | EhrbasePreconditionFailedError
  | EhrbaseUnsupportedMediaTypeError
  | EhrbaseValidationError
  | EhrbaseServerError
  | EhrbaseUnexpectedStatusError
  | EhrbaseTimeoutError
  | EhrbaseNetworkError;

/** True for an error thrown by any copy of this client (ESM or CommonJS build, any installed version). */
export function isEhrbaseError(error: unknown): error is AnyEhrbaseError {
  return (
    typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[ERROR_BRAND] === true
  );
}

/** Maps an HTTP error status to the matching error class. */
export function errorForStatus(status: number, d: Omit<EhrbaseErrorDetails, "status">): EhrbaseError {
  const details = { ...d, status };
  if (status === 400) return new EhrbaseBadRequestError(details);
  if (status === 401 || status === 403) return new EhrbaseUnauthorizedError(details);
  if (status === 404) return new EhrbaseNotFoundError(details);
  if (status === 409) return new EhrbaseConflictError(details);
  if (status === 412) return new EhrbasePreconditionFailedError(details);
  if (status === 415) return new EhrbaseUnsupportedMediaTypeError(details);
  if (status === 422) return new EhrbaseValidationError(details);
  if (status >= 500) return new EhrbaseServerError(details);
  return new EhrbaseUnexpectedStatusError(details);
}

/** Splits `"/a/b: text, /c: text"` at the commas that start a new `/path: ` pair. */
export function parseViolations(message: string): Violation[] {
  const parts = message.split(/,\s+(?=\/[^\s:]*:\s)/);
  const violations: Violation[] = [];
  for (const part of parts) {
    const match = /^(\/[^\s]*?):\s+([\s\S]*)$/.exec(part.trim());
    if (match) violations.push({ path: match[1]!, message: match[2]!.trim() });
  }
  return violations;
}

/** Thrown before any request when an argument would be rejected by EHRbase; names the field, never its value. */
export class EhrbaseInputError extends TypeError {
  readonly field: string;
  constructor(field: string, rule: string) {
    super(`${field} ${rule}`);
    this.name = "EhrbaseInputError";
    this.field = field;
    Object.defineProperty(this, INPUT_ERROR_BRAND, { value: true });
  }
}

const INPUT_ERROR_BRAND = Symbol.for("@ehr-sync/ehrbase-client/EhrbaseInputError");

/** True for an argument rejected before any request, by any copy of this client. */
export function isEhrbaseInputError(error: unknown): error is EhrbaseInputError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as Record<symbol, unknown>)[INPUT_ERROR_BRAND] === true
  );
}
