import { describe, expect, it } from "vitest";
import { ehrSyncOptionsFromEnv, resolveOptions } from "../src/options.js";

const env = {
  SUPABASE_DB_URL: "postgresql://postgres:pw@db.example.supabase.co:6543/postgres",
  EHRBASE_URL: "https://ehrbase.example.org/ehrbase",
  EHRBASE_USER: "u",
  EHRBASE_PASSWORD: "p",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-0123456789",
};

describe("ehrSyncOptionsFromEnv + resolveOptions", () => {
  it("uses the free plan's 150 s budget with a safety margin by default", () => {
    const options = resolveOptions(ehrSyncOptionsFromEnv(env));
    expect(options.budget.wallClockBudgetMs).toBe(150_000);
    expect(options.budget.safetyMarginMs).toBe(10_000);
    expect(options.budget.cpuBudgetMs).toBe(2_000);
    expect(options.auth.vaultSecretName).toBe("ehr_sync_function_key");
    expect(options.auth.sharedSecrets).toEqual(["service-role-key-0123456789"]);
  });

  it("uses 400 s on a paid plan, and an explicit budget over either", () => {
    expect(
      resolveOptions(ehrSyncOptionsFromEnv({ ...env, EHR_SYNC_PLAN: "paid" })).budget.wallClockBudgetMs,
    ).toBe(400_000);
    const custom = resolveOptions(
      ehrSyncOptionsFromEnv({
        ...env,
        EHR_SYNC_WALL_CLOCK_BUDGET_MS: "9000",
        EHR_SYNC_SAFETY_MARGIN_MS: "2000",
      }),
    );
    expect(custom.budget.wallClockBudgetMs).toBe(9_000);
    expect(custom.budget.safetyMarginMs).toBe(2_000);
  });

  it("names the missing or malformed variable", () => {
    expect(() => ehrSyncOptionsFromEnv({ ...env, SUPABASE_DB_URL: "" })).toThrow(/SUPABASE_DB_URL/);
    expect(() => ehrSyncOptionsFromEnv({ ...env, EHRBASE_URL: undefined })).toThrow(/EHRBASE_URL/);
    expect(() => ehrSyncOptionsFromEnv({ ...env, EHR_SYNC_CONCURRENCY: "four" })).toThrow(
      /EHR_SYNC_CONCURRENCY/,
    );
    expect(() => resolveOptions(ehrSyncOptionsFromEnv({ ...env, EHR_SYNC_CONCURRENCY: "0" }))).toThrow(
      /concurrency/,
    );
    expect(() => resolveOptions({ ...ehrSyncOptionsFromEnv(env), databaseUrl: "mysql://x" })).toThrow(
      /databaseUrl/,
    );
  });

  it("refuses to build an endpoint nobody has to authenticate to", () => {
    const open = { ...ehrSyncOptionsFromEnv(env), auth: { vaultSecretName: false as const } };
    expect(() => resolveOptions(open)).toThrow(/refusing to run an open endpoint/);
    expect(() =>
      resolveOptions({ ...open, auth: { sharedSecrets: ["short"], vaultSecretName: false } }),
    ).toThrow(/auth.sharedSecrets/);
  });

  it("never puts a secret into an error message", () => {
    let message = "";
    try {
      resolveOptions({ ...ehrSyncOptionsFromEnv(env), databaseUrl: "mysql://user:hunter2@host/db" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/databaseUrl/);
    expect(message).not.toContain("hunter2");
  });
});
