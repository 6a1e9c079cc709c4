import { describe, expect, it } from "vitest";
import { ehrbaseAuthFromEnv } from "../src/index.js";

describe("ehrbaseAuthFromEnv", () => {
  it("reads bearer, OAuth2 client credentials, basic or none", () => {
    expect(ehrbaseAuthFromEnv({ EHRBASE_TOKEN: "t0ken", EHRBASE_USER: "u", EHRBASE_PASSWORD: "p" })).toEqual({
      type: "bearer",
      token: "t0ken",
    });
    expect(
      ehrbaseAuthFromEnv({
        EHRBASE_OAUTH_TOKEN_URL: "https://idp.example.org/token",
        EHRBASE_OAUTH_CLIENT_ID: "ehr-sync",
        EHRBASE_OAUTH_CLIENT_SECRET: "s3cret",
        EHRBASE_OAUTH_SCOPE: "openehr",
      }),
    ).toEqual({
      type: "oauth2-client-credentials",
      tokenUrl: "https://idp.example.org/token",
      clientId: "ehr-sync",
      clientSecret: "s3cret",
      scope: "openehr",
    });
    expect(ehrbaseAuthFromEnv({ EHRBASE_USER: "u", EHRBASE_PASSWORD: "p" })).toEqual({
      type: "basic",
      username: "u",
      password: "p",
    });
    expect(ehrbaseAuthFromEnv({})).toEqual({ type: "none" });
  });

  it("names the missing variables, never a value", () => {
    expect(() => ehrbaseAuthFromEnv({ EHRBASE_USER: "u" })).toThrow(/EHRBASE_PASSWORD/);
    const error = (() => {
      try {
        ehrbaseAuthFromEnv({ EHRBASE_OAUTH_CLIENT_SECRET: "s3cret-value" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain("EHRBASE_OAUTH_TOKEN_URL, EHRBASE_OAUTH_CLIENT_ID");
    expect(error?.message).not.toContain("s3cret-value");
  });
});
