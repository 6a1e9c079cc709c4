/**
 * Who may run the queue: the project's service-role JWT (HS256, verified with the project's JWT secret)
 * or a shared secret (kept in Vault or the function's env). Everything else is refused before any
 * database work happens. Uses only WebCrypto, so it runs unchanged in Deno, Node and edge runtimes.
 */

export interface AuthOptions {
  /** The project's JWT secret (Settings → API → JWT secret). Enables service-role JWT verification. */
  jwtSecret?: string | undefined;
  /**
   * Shared secrets accepted as `Authorization: Bearer <secret>`. A function lets the handler read the
   * current value from Vault, so rotating the secret needs no redeploy.
   */
  sharedSecrets?: () => Promise<readonly string[]>;
  /** Seconds since the epoch; injectable so `exp` handling can be tested. */
  nowSeconds?: () => number;
  /** Claims a JWT must also carry (`iss`, `aud`) and the clock leeway for `exp`/`nbf`. */
  jwtChecks?: JwtChecks | undefined;
}

export interface JwtChecks {
  /** When set, the token's `iss` must equal it (Supabase signs with `supabase`). */
  issuer?: string | undefined;
  /** When set, the token's `aud` (a string or a list) must contain it. */
  audience?: string | undefined;
  /** Seconds of clock difference tolerated on `exp` and `nbf`. Default 30. */
  leewaySeconds?: number | undefined;
}

export const DEFAULT_JWT_LEEWAY_SECONDS = 30;

export type AuthDecision =
  | { ok: true; via: "service_role_jwt" | "shared_secret" }
  | { ok: false; reason: "missing_credentials" | "invalid_credentials" };

const encoder = new TextEncoder();

/** Reads the bearer token from `Authorization` (or Supabase's `apikey` header, which carries the same key). */
export function bearerToken(request: Request): string | undefined {
  const authorization = request.headers.get("authorization");
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (match?.[1]) return match[1];
  const apiKey = request.headers.get("apikey")?.trim();
  return apiKey ? apiKey : undefined;
}

export function createAuthenticator(options: AuthOptions): (request: Request) => Promise<AuthDecision> {
  if (!options.jwtSecret && !options.sharedSecrets) {
    throw new Error("auth: configure `jwtSecret` and/or `sharedSecret`; refusing to run an open endpoint");
  }
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return async (request) => {
    const token = bearerToken(request);
    if (!token) return { ok: false, reason: "missing_credentials" };
    if (options.jwtSecret && looksLikeJwt(token)) {
      if (await verifyServiceRoleJwt(token, options.jwtSecret, nowSeconds(), options.jwtChecks)) {
        return { ok: true, via: "service_role_jwt" };
      }
    }
    if (options.sharedSecrets) {
      for (const secret of await options.sharedSecrets()) {
        if (secret && (await constantTimeEqual(token, secret))) return { ok: true, via: "shared_secret" };
      }
    }
    return { ok: false, reason: "invalid_credentials" };
  };
}

function looksLikeJwt(token: string): boolean {
  return token.split(".").length === 3;
}

/**
 * True only for a well-formed HS256 JWT whose signature matches `secret`, whose `role` claim is
 * `service_role`, which HAS an `exp` (a token that never expires is refused) and is inside its
 * `nbf`/`exp` window give or take the leeway, and whose `iss`/`aud` match when those checks are set.
 * `alg` is pinned to HS256 so a token cannot downgrade to `none` or switch algorithms.
 */
export async function verifyServiceRoleJwt(
  token: string,
  secret: string,
  nowSeconds: number,
  checks: JwtChecks = {},
): Promise<boolean> {
  const [headerPart, payloadPart, signaturePart] = token.split(".");
  if (!headerPart || !payloadPart || !signaturePart) return false;
  const header = decodeJsonPart(headerPart);
  if (header?.alg !== "HS256") return false;
  const signature = base64UrlDecode(signaturePart);
  if (!signature) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify(
    "HMAC",
    key,
    signature as Uint8Array<ArrayBuffer>,
    encoder.encode(`${headerPart}.${payloadPart}`),
  );
  if (!valid) return false;
  const payload = decodeJsonPart(payloadPart);
  if (payload?.role !== "service_role") return false;
  const leeway = checks.leewaySeconds ?? DEFAULT_JWT_LEEWAY_SECONDS;
  if (typeof payload.exp !== "number" || !(nowSeconds < payload.exp + leeway)) return false;
  if (payload.nbf !== undefined && !(typeof payload.nbf === "number" && nowSeconds + leeway >= payload.nbf))
    return false;
  if (checks.issuer !== undefined && payload.iss !== checks.issuer) return false;
  if (checks.audience !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(checks.audience)) return false;
  }
  return true;
}

/**
 * Compares two strings without leaking where they differ or how long the secret is: both sides are
 * HMAC'd with a throw-away key first, so the final comparison is always over 32 bytes.
 */
export async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
  const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const [a, b] = await Promise.all([
    crypto.subtle.sign("HMAC", key, encoder.encode(given)),
    crypto.subtle.sign("HMAC", key, encoder.encode(expected)),
  ]);
  const left = new Uint8Array(a);
  const right = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

function decodeJsonPart(part: string): Record<string, unknown> | undefined {
  const bytes = base64UrlDecode(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function base64UrlDecode(part: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  const base64 = part
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(part.length / 4) * 4, "=");
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
