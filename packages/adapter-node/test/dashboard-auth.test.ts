/**
 * The dashboard's sign-in rules on a controlled clock: a login code works once and only for 10
 * minutes, a session for 12 hours, and a CSRF token belongs to one session.
 */
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { DashboardAuth, SESSION_COOKIE } from "../src/dashboard/dashboard-auth.js";

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe("DashboardAuth", () => {
  const token = "a-dashboard-token-of-some-length";

  it("login codes work once, within 10 minutes; sessions last 12 hours", () => {
    let now = 1_000_000;
    const auth = new DashboardAuth(token, () => now);
    const code = auth.issueLoginCode();
    const stale = auth.issueLoginCode();
    const session = auth.redeemLoginCode(code) as string;
    expect(session).toMatch(/^[\w-]{40,}$/);
    expect(auth.redeemLoginCode(code)).toBeNull();

    const cookie = request({ cookie: `other=1; ${SESSION_COOKIE}=${session}` });
    expect(auth.authenticate(cookie)).toEqual({ kind: "session", id: session });

    now += 10 * 60_000 + 1;
    expect(auth.redeemLoginCode(stale)).toBeNull();
    expect(auth.authenticate(cookie)).not.toBeNull();
    now += 12 * 60 * 60_000;
    expect(auth.authenticate(cookie)).toBeNull();
  });

  it("a wrong bearer token is refused even beside a valid session", () => {
    const auth = new DashboardAuth(token);
    const session = auth.sessionForToken(token) as string;
    expect(auth.sessionForToken("wrong")).toBeNull();
    expect(auth.authenticate(request({ authorization: `Bearer ${token}` }))).toEqual({ kind: "bearer" });
    expect(
      auth.authenticate(request({ authorization: "Bearer nope", cookie: `${SESSION_COOKIE}=${session}` })),
    ).toBeNull();
    expect(auth.authenticate(request({ authorization: `Basic ${token}` }))).toBeNull();
  });

  it("a CSRF token is bound to its session and checked with the request's origin", () => {
    const auth = new DashboardAuth(token);
    const a = { kind: "session", id: auth.sessionForToken(token) as string } as const;
    const b = { kind: "session", id: auth.sessionForToken(token) as string } as const;
    const csrfA = auth.csrfToken(a);
    expect(csrfA).not.toBe(auth.csrfToken(b));
    const post = (headers: Record<string, string>) => request({ host: "127.0.0.1:8090", ...headers });
    expect(auth.allowsChange(post({ "x-csrf-token": csrfA }), a)).toBe(true);
    expect(auth.allowsChange(post({ "x-csrf-token": csrfA }), b)).toBe(false);
    expect(auth.allowsChange(post({ "x-csrf-token": csrfA, origin: "http://127.0.0.1:8090" }), a)).toBe(true);
    expect(auth.allowsChange(post({ "x-csrf-token": csrfA, origin: "http://evil.example" }), a)).toBe(false);
    expect(auth.allowsChange(post({ "x-csrf-token": csrfA, "sec-fetch-site": "same-site" }), a)).toBe(false);
    expect(() => new DashboardAuth("short")).toThrow(/at least 16 characters/);
  });
});
