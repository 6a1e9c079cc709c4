import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, createAuthenticator, verifyServiceRoleJwt } from "../src/auth.js";
import { signHs256Jwt } from "./sign-jwt.js";

const secret = "super-secret-jwt-token-with-at-least-32-characters";
const now = 1_800_000_000;

function request(headers: Record<string, string>): Request {
  return new Request("http://localhost/", { method: "POST", headers });
}

describe("verifyServiceRoleJwt", () => {
  it("accepts a service_role token signed with the project's secret", async () => {
    const token = await signHs256Jwt({ role: "service_role", iss: "supabase", exp: now + 60 }, secret);
    expect(await verifyServiceRoleJwt(token, secret, now)).toBe(true);
  });

  it("refuses the anon and authenticated roles even when correctly signed", async () => {
    for (const role of ["anon", "authenticated"]) {
      const token = await signHs256Jwt({ role, exp: now + 60 }, secret);
      expect(await verifyServiceRoleJwt(token, secret, now)).toBe(false);
    }
  });

  it("refuses an expired token, a not-yet-valid token, and a non-numeric exp", async () => {
    expect(
      await verifyServiceRoleJwt(
        await signHs256Jwt({ role: "service_role", exp: now }, secret),
        secret,
        now,
        { leewaySeconds: 0 },
      ),
    ).toBe(false);
    expect(
      await verifyServiceRoleJwt(
        await signHs256Jwt({ role: "service_role", nbf: now + 40, exp: now + 600 }, secret),
        secret,
        now,
      ),
    ).toBe(false);
    expect(
      await verifyServiceRoleJwt(
        await signHs256Jwt({ role: "service_role", exp: "never" }, secret),
        secret,
        now,
      ),
    ).toBe(false);
  });

  it("refuses a service_role token without exp: it would be valid forever", async () => {
    const token = await signHs256Jwt({ role: "service_role", iss: "supabase" }, secret);
    expect(await verifyServiceRoleJwt(token, secret, now)).toBe(false);
  });

  it("tolerates a small clock difference on exp and nbf, and no more", async () => {
    const justExpired = await signHs256Jwt({ role: "service_role", exp: now - 10 }, secret);
    expect(await verifyServiceRoleJwt(justExpired, secret, now)).toBe(true);
    expect(await verifyServiceRoleJwt(justExpired, secret, now, { leewaySeconds: 0 })).toBe(false);
    const longExpired = await signHs256Jwt({ role: "service_role", exp: now - 31 }, secret);
    expect(await verifyServiceRoleJwt(longExpired, secret, now)).toBe(false);
    const almostValid = await signHs256Jwt({ role: "service_role", nbf: now + 10, exp: now + 600 }, secret);
    expect(await verifyServiceRoleJwt(almostValid, secret, now)).toBe(true);
    expect(await verifyServiceRoleJwt(almostValid, secret, now, { leewaySeconds: 0 })).toBe(false);
  });

  it("checks iss and aud when asked to", async () => {
    const token = await signHs256Jwt(
      { role: "service_role", iss: "supabase", aud: ["authenticated", "ehr-sync"], exp: now + 60 },
      secret,
    );
    expect(await verifyServiceRoleJwt(token, secret, now, { issuer: "supabase", audience: "ehr-sync" })).toBe(
      true,
    );
    expect(await verifyServiceRoleJwt(token, secret, now, { issuer: "other" })).toBe(false);
    expect(await verifyServiceRoleJwt(token, secret, now, { audience: "other" })).toBe(false);
    const noIss = await signHs256Jwt({ role: "service_role", exp: now + 60 }, secret);
    expect(await verifyServiceRoleJwt(noIss, secret, now, { issuer: "supabase" })).toBe(false);
  });

  it("refuses a token signed with another secret, a tampered payload, alg none and HS512", async () => {
    const other = await signHs256Jwt({ role: "service_role" }, "another-secret-another-secret-1234");
    expect(await verifyServiceRoleJwt(other, secret, now)).toBe(false);

    const anon = await signHs256Jwt({ role: "anon" }, secret);
    const [h, , s] = anon.split(".");
    const forgedPayload = btoa(JSON.stringify({ role: "service_role" })).replace(/=+$/, "");
    expect(await verifyServiceRoleJwt(`${h}.${forgedPayload}.${s}`, secret, now)).toBe(false);

    const none = await signHs256Jwt({ role: "service_role" }, secret, { alg: "none", typ: "JWT" });
    expect(await verifyServiceRoleJwt(none, secret, now)).toBe(false);
    const hs512 = await signHs256Jwt({ role: "service_role" }, secret, { alg: "HS512", typ: "JWT" });
    expect(await verifyServiceRoleJwt(hs512, secret, now)).toBe(false);
  });

  it("pins HS256: a genuine HS512 token with the same secret and a genuine unsecured token are refused", async () => {
    const claims = { role: "service_role", iss: "supabase", exp: now + 60 };
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS512", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));
    expect(await verifyServiceRoleJwt(hs512, secret, now)).toBe(false);
    const hs384 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS384", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));
    expect(await verifyServiceRoleJwt(hs384, secret, now)).toBe(false);
    const unsecured = new UnsecuredJWT(claims).encode(); // header {"alg":"none"}, empty signature
    expect(await verifyServiceRoleJwt(unsecured, secret, now)).toBe(false);
    // the same claims signed HS256 pass: only the algorithm differs
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(secret));
    expect(await verifyServiceRoleJwt(hs256, secret, now)).toBe(true);
  });

  it("refuses garbage without throwing", async () => {
    for (const token of ["", "a.b.c", "!!.??.**", "eyJhbGciOiJIUzI1NiJ9..", "x.y"]) {
      expect(await verifyServiceRoleJwt(token, secret, now)).toBe(false);
    }
  });
});

describe("constantTimeEqual", () => {
  it("is true only for identical strings, whatever their lengths", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("abc", "abcd")).toBe(false);
    expect(await constantTimeEqual("", "x")).toBe(false);
  });
});

describe("createAuthenticator", () => {
  it("accepts the service-role JWT or the shared secret, as Bearer or apikey", async () => {
    const authenticate = createAuthenticator({
      jwtSecret: secret,
      sharedSecrets: async () => ["shared-secret-value-0123456789"],
      nowSeconds: () => now,
    });
    const jwt = await signHs256Jwt({ role: "service_role", exp: now + 60 }, secret);
    expect(await authenticate(request({ authorization: `Bearer ${jwt}` }))).toEqual({
      ok: true,
      via: "service_role_jwt",
    });
    expect(await authenticate(request({ authorization: "Bearer shared-secret-value-0123456789" }))).toEqual({
      ok: true,
      via: "shared_secret",
    });
    expect(await authenticate(request({ apikey: "shared-secret-value-0123456789" }))).toEqual({
      ok: true,
      via: "shared_secret",
    });
  });

  it("says why a request is refused", async () => {
    const authenticate = createAuthenticator({
      sharedSecrets: async () => ["shared-secret-value-0123456789"],
    });
    expect(await authenticate(request({}))).toEqual({ ok: false, reason: "missing_credentials" });
    expect(await authenticate(request({ authorization: "Basic abc" }))).toEqual({
      ok: false,
      reason: "missing_credentials",
    });
    expect(await authenticate(request({ authorization: "Bearer wrong" }))).toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
  });

  it("ignores an empty shared secret (an unset Vault secret must not open the door)", async () => {
    const authenticate = createAuthenticator({ sharedSecrets: async () => [""] });
    expect(await authenticate(request({ authorization: "Bearer " }))).toEqual({
      ok: false,
      reason: "missing_credentials",
    });
    expect(await authenticate(request({ apikey: "x" }))).toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
  });

  it("refuses to be configured without any credential", () => {
    expect(() => createAuthenticator({})).toThrow(/jwtSecret/);
  });
});
