/**
 * Who may run the queue: the project's service-role JWT (HS256, verified with the project's JWT secret)
 * or a shared secret (kept in Vault or the function's env). Everything else is refused before any
 * database work happens. JWTs are verified by `jose` (WebCrypto: Deno, Node and edge runtimes alike);
 * the rest uses WebCrypto only.
 */
import { errors, jwtVerify } from "jose";

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
 * `alg` is pinned to HS256 so a token cannot downgrade to `none` or switch algorithms (jose compares
 * the HMAC with crypto.subtle.verify, in constant time).
 */
export async function verifyServiceRoleJwt(
  token: string,
  secret: string,
  nowSeconds: number,
  checks: JwtChecks = {},
): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
      clockTolerance: checks.leewaySeconds ?? DEFAULT_JWT_LEEWAY_SECONDS,
      currentDate: new Date(nowSeconds * 1000),
      ...(checks.issuer !== undefined ? { issuer: checks.issuer } : {}),
      ...(checks.audience !== undefined ? { audience: checks.audience } : {}),
    });
    return payload.role === "service_role";
  } catch (error) {
    // Every way a token can be wrong is a JOSEError (malformed, bad signature, expired, wrong alg…).
    if (error instanceof errors.JOSEError) return false;
    throw error;
  }
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
