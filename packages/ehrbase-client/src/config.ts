import type { EhrbaseAuth } from "./auth.js";

export interface RetryOptions {
  /** Attempts for safe calls (GET, and POST /query/aql, which only reads). Default 3. */
  maxAttempts?: number;
  /** First backoff step; doubled each retry, capped by maxDelayMs. Default 200 ms. */
  baseDelayMs?: number;
  /** Cap for one backoff step and for honouring Retry-After. Default 5 s. */
  maxDelayMs?: number;
}

export interface EhrbaseClientOptions {
  /**
   * Where EHRbase is: `http://host:8080`, `http://host:8080/ehrbase`, or the full
   * `http://host:8080/ehrbase/rest/openehr/v1`. The openEHR REST base is derived from it.
   */
  baseUrl: string;
  auth?: EhrbaseAuth;
  /** Per-request timeout, enforced with an AbortSignal. Default 30 s. */
  timeoutMs?: number;
  /** Bring your own fetch (tests, proxies, instrumentation). Default: the global fetch. */
  fetch?: typeof fetch;
  userAgent?: string;
  /** Header carrying a request id for tracing (default `x-request-id`), and how to make one. */
  requestIdHeader?: string;
  requestId?: () => string;
  /** EHRbase's `server.nodename`; discovered from the server when not given. */
  systemId?: string;
  retry?: RetryOptions;
}

export interface ResolvedUrls {
  /** e.g. http://host:8080/ehrbase */
  serverUrl: string;
  /** e.g. http://host:8080/ehrbase/rest/openehr/v1 */
  openehrUrl: string;
}

const OPENEHR_SUFFIX = "/rest/openehr/v1";

export function resolveUrls(baseUrl: string): ResolvedUrls {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError("EhrbaseClient: baseUrl must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError("EhrbaseClient: baseUrl must use http or https");
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (path.endsWith(OPENEHR_SUFFIX)) path = path.slice(0, -OPENEHR_SUFFIX.length);
  else if (path.endsWith("/rest/openehr")) path = path.slice(0, -"/rest/openehr".length);
  if (path === "") path = "/ehrbase";
  const serverUrl = `${url.origin}${path}`;
  return { serverUrl, openehrUrl: `${serverUrl}${OPENEHR_SUFFIX}` };
}
