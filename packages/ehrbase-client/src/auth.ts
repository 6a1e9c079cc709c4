/** Authentication: none, HTTP basic, a static bearer token, or OAuth2 client credentials with a cached token. */
import { errorForStatus } from "./errors.js";

export type EhrbaseAuth =
  | { type: "none" }
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | {
      type: "oauth2-client-credentials";
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
      /** Refresh this long before the token expires (default 30 s) so no call goes out with a stale token. */
      refreshSkewMs?: number;
    };

export interface AuthHeaderSource {
  /** The Authorization header value, or undefined for none. */
  header(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string | undefined>;
  /** Forget a cached token (after a 401) so the next call fetches a new one. */
  invalidate(): void;
  /** True when invalidate() can lead to different credentials (OAuth2); false for fixed ones. */
  readonly refreshable: boolean;
}

/** btoa only takes Latin-1; encode UTF-8 first so non-ASCII passwords work in every runtime. */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function createAuth(
  auth: EhrbaseAuth | undefined,
  now: () => number = () => Date.now(),
): AuthHeaderSource {
  if (!auth || auth.type === "none")
    return { header: async () => undefined, invalidate: () => {}, refreshable: false };
  if (auth.type === "basic") {
    const value = `Basic ${base64Utf8(`${auth.username}:${auth.password}`)}`;
    return { header: async () => value, invalidate: () => {}, refreshable: false };
  }
  if (auth.type === "bearer") {
    const value = `Bearer ${auth.token}`;
    return { header: async () => value, invalidate: () => {}, refreshable: false };
  }
  return oauth2ClientCredentials(auth, now);
}

function oauth2ClientCredentials(
  auth: Extract<EhrbaseAuth, { type: "oauth2-client-credentials" }>,
  now: () => number,
): AuthHeaderSource {
  const skew = auth.refreshSkewMs ?? 30_000;
  let cached: { token: string; expiresAt: number } | undefined;
  // Concurrent callers share one token request instead of stampeding the identity provider.
  let inFlight: Promise<string> | undefined;

  async function fetchToken(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string> {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (auth.scope) form.set("scope", auth.scope);
    const response = await fetchImpl(auth.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${base64Utf8(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`)}`,
        accept: "application/json",
      },
      body: form.toString(),
      signal,
    });
    if (!response.ok) {
      // The identity provider's body is dropped: it can describe the client and its credentials.
      await response.body?.cancel();
      throw errorForStatus(response.status, {
        method: "POST",
        path: new URL(auth.tokenUrl).pathname,
        serverMessage: "OAuth2 token request refused",
      });
    }
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error("OAuth2 token response has no access_token");
    const lifetimeMs = (body.expires_in ?? 300) * 1000;
    cached = { token: body.access_token, expiresAt: now() + lifetimeMs };
    return body.access_token;
  }

  return {
    async header(fetchImpl, signal) {
      if (cached && now() < cached.expiresAt - skew) return `Bearer ${cached.token}`;
      inFlight ??= fetchToken(fetchImpl, signal).finally(() => {
        inFlight = undefined;
      });
      return `Bearer ${await inFlight}`;
    },
    invalidate() {
      cached = undefined;
    },
    refreshable: true,
  };
}
