/**
 * Who may see the dashboard. Three ways in, all ending at the same token:
 * - `Authorization: Bearer <token>` (scripts, or an auth proxy that adds the header upstream);
 * - a one-time login link (`/login?code=…`, printed at start, valid once for 10 minutes) that sets a
 *   session cookie, so the token itself never sits in a URL or the browser history;
 * - the token pasted into the /login form, which sets the same cookie.
 * Every POST also needs the CSRF token the page carries (bound to the session), and must not come from
 * another site: a cookie (or a proxy-added header) alone never authorises a change.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "ehr_sync_dashboard";
const LOGIN_CODE_TTL_MS = 10 * 60_000;
const SESSION_TTL_MS = 12 * 60 * 60_000;

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Constant-time equality of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/** Who a request is: its session, or the bearer token. */
export type Identity = { kind: "session"; id: string } | { kind: "bearer" };

export class DashboardAuth {
  /** Keyed by the sha256 of the secret, so a memory dump shows no usable code or session. */
  private readonly loginCodes = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly csrfKey = randomBytes(32);

  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
  ) {
    if (token.length < 16) throw new RangeError("dashboard token: at least 16 characters");
  }

  /** A fresh code for a login link; each works once, for 10 minutes. */
  issueLoginCode(): string {
    const code = randomSecret();
    this.loginCodes.set(digest(code).toString("hex"), this.now() + LOGIN_CODE_TTL_MS);
    return code;
  }

  /** Spends a login code; returns a new session id, or null when the code is unknown, used or stale. */
  redeemLoginCode(code: string): string | null {
    const key = digest(code).toString("hex");
    const expires = this.loginCodes.get(key);
    this.loginCodes.delete(key);
    if (expires === undefined || expires < this.now()) return null;
    return this.newSession();
  }

  /** Exchanges the token itself for a session (the /login form). */
  sessionForToken(token: string): string | null {
    return sameSecret(token, this.token) ? this.newSession() : null;
  }

  private newSession(): string {
    this.prune();
    const id = randomSecret();
    this.sessions.set(digest(id).toString("hex"), this.now() + SESSION_TTL_MS);
    return id;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, expires] of this.loginCodes) if (expires < now) this.loginCodes.delete(key);
    for (const [key, expires] of this.sessions) if (expires < now) this.sessions.delete(key);
  }

  authenticate(req: IncomingMessage): Identity | null {
    const header = req.headers.authorization;
    if (header !== undefined) {
      // A wrong bearer token is refused outright, even next to a valid cookie.
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return match && sameSecret(match[1] as string, this.token) ? { kind: "bearer" } : null;
    }
    const session = cookies(req).get(SESSION_COOKIE);
    if (!session) return null;
    const expires = this.sessions.get(digest(session).toString("hex"));
    return expires !== undefined && expires >= this.now() ? { kind: "session", id: session } : null;
  }

  sessionCookie(sessionId: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${sessionId}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}${secure ? "; Secure" : ""}`;
  }

  /** The CSRF token of an identity: an HMAC only this process can make, so another site cannot. */
  csrfToken(identity: Identity): string {
    const subject = identity.kind === "session" ? `session:${identity.id}` : "bearer";
    return createHmac("sha256", this.csrfKey).update(subject).digest("base64url");
  }

  /** A state-changing request: right CSRF token, and not sent by another site. */
  allowsChange(req: IncomingMessage, identity: Identity): boolean {
    if (!sameOrigin(req)) return false;
    const sent = req.headers["x-csrf-token"];
    return typeof sent === "string" && sameSecret(sent, this.csrfToken(identity));
  }
}

/**
 * False when the browser says the request came from another site (Sec-Fetch-Site), or its Origin is
 * not this server's. Clients that send neither header (curl) are judged by the CSRF token alone.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const forwardedHost = req.headers["x-forwarded-host"];
  const host = typeof forwardedHost === "string" ? forwardedHost : req.headers.host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
