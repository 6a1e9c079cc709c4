/**
 * The one place that talks HTTP: base URL, auth, user agent, request id, timeout, and retries of
 * safe calls. Writes (POST/PUT/DELETE) are never retried here: whether a write may be repeated is
 * the caller's decision (the queue reconciles first), because EHRbase may have committed it.
 */
// Bundled by tsup (core is a devDependency): the client keeps no runtime dependency.
import { exponentialBackoffMs } from "@ehr-sync/core/backoff";
import { type AuthHeaderSource, createAuth } from "./auth.js";
import type { EhrbaseClientOptions } from "./config.js";
import { resolveUrls } from "./config.js";
import {
  type EhrbaseError,
  EhrbaseNetworkError,
  EhrbaseTimeoutError,
  errorForStatus,
  isEhrbaseError,
} from "./errors.js";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the openEHR REST base, starting with `/`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to repeat (reads): retried on network errors, timeouts, 429, 502, 503, 504. */
  safe?: boolean;
  /** Statuses that are answers, not errors (e.g. 404 for "look up, may be absent"). */
  accept?: number[];
  signal?: AbortSignal;
  /** Use the server URL (…/ehrbase) as base instead of the openEHR REST base. */
  serverRelative?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
// Connection set-up failures: nothing reached the server, so even a write is known not to have happened.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  const text = String((error as { message?: unknown })?.message ?? "");
  return /connection refused/i.test(text) ? "ECONNREFUSED" : undefined;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** EHRbase answers `{error, message}`; Spring Security answers `{error, status, path}`; proxies send text. */
function serverMessageOf(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === "string" && body.message) return body.message;
    if (typeof body.error === "string") return body.error;
  } catch {
    // not JSON
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function randomRequestId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : Math.random().toString(36).slice(2);
}

export class HttpTransport {
  readonly serverUrl: string;
  readonly openehrUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly auth: AuthHeaderSource;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly requestIdHeader: string;
  private readonly requestId: () => string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: EhrbaseClientOptions) {
    const urls = resolveUrls(options.baseUrl);
    this.serverUrl = urls.serverUrl;
    this.openehrUrl = urls.openehrUrl;
    this.fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
    this.auth = createAuth(options.auth);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? "ehr-sync-ehrbase-client";
    this.requestIdHeader = options.requestIdHeader ?? "x-request-id";
    this.requestId = options.requestId ?? randomRequestId;
    this.maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 3);
    this.baseDelayMs = nonNegativeMs("retry.baseDelayMs", options.retry?.baseDelayMs ?? 200);
    this.maxDelayMs = nonNegativeMs("retry.maxDelayMs", options.retry?.maxDelayMs ?? 5_000);
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.safe ? this.maxAttempts : 1;
    let refreshedAuth = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.once(req);
        if (response.status === 401 && !refreshedAuth && this.auth.refreshable) {
          // A rejected token was not acted on, so one retry with a fresh token is safe for any method.
          refreshedAuth = true;
          this.auth.invalidate();
          attempt--;
          continue;
        }
        if (response.status < 400 || req.accept?.includes(response.status)) return response;
        const error = errorForStatus(response.status, {
          method: req.method,
          path: this.pathOf(req),
          serverMessage: serverMessageOf(response.text),
          retryAfterMs: parseRetryAfterMs(response.headers.get("retry-after")),
        });
        if (attempt < attempts && RETRYABLE_STATUSES.has(response.status)) {
          await sleep(this.delayFor(attempt, response.headers.get("retry-after")), req.signal);
          continue;
        }
        throw error;
      } catch (error) {
        const known = error as EhrbaseError;
        const transportFailure = known.code === "timeout" || known.code === "network_error";
        if (transportFailure && attempt < attempts) {
          await sleep(this.delayFor(attempt, null), req.signal);
          continue;
        }
        throw error;
      }
    }
  }

  private delayFor(attempt: number, retryAfter: string | null): number {
    const backoff = exponentialBackoffMs(attempt, { baseMs: this.baseDelayMs, capMs: this.maxDelayMs });
    const asked = parseRetryAfterMs(retryAfter);
    return Math.min(this.maxDelayMs, Math.max(backoff, asked ?? 0));
  }

  private pathOf(req: HttpRequest): string {
    const base = new URL(req.serverRelative ? this.serverUrl : this.openehrUrl).pathname;
    return `${base}${req.path}`;
  }

  private urlOf(req: HttpRequest): string {
    const url = new URL(`${req.serverRelative ? this.serverUrl : this.openehrUrl}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    // A plain controller and timer, cleared as soon as the body is read: AbortSignal.timeout costs
    // about ten times as much to create on Node 20 and keeps its timer alive for the full timeout.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("timed out", "TimeoutError")),
      this.timeoutMs,
    );
    const timeout = controller.signal;
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      "user-agent": this.userAgent,
      [this.requestIdHeader]: this.requestId(),
      ...req.headers,
    };
    const path = this.pathOf(req);
    let requestSent = false;
    try {
      const authorization = await this.auth.header(this.fetchImpl, signal);
      if (authorization) headers.authorization = authorization;
      requestSent = true;
      const response = await this.fetchImpl(this.urlOf(req), {
        method: req.method,
        headers,
        body: req.body,
        signal,
      });
      // The timeout covers the body too: a server that stalls mid-body is a timeout, not a hang.
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      // A refused OAuth2 token request is already typed (401/400/5xx of the token endpoint).
      if (isEhrbaseError(error)) throw error;
      if (timeout.aborted) {
        throw new EhrbaseTimeoutError({
          method: req.method,
          path,
          requestSent,
          timeoutMs: this.timeoutMs,
          cause: error,
        });
      }
      if (req.signal?.aborted) throw error;
      const code = errorCode(error);
      throw new EhrbaseNetworkError({
        method: req.method,
        path,
        requestSent: requestSent && !(code !== undefined && NOT_SENT_CODES.has(code)),
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A delay option, refused at construction (naming it) rather than at the first retry. */
function nonNegativeMs(field: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`EhrbaseClient: ${field} must be a finite number of milliseconds >= 0`);
  }
  return value;
}
