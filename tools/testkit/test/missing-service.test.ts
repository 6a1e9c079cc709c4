/** A missing service must fail loudly with what is missing and how to start it. */
import { describe, expect, it } from "vitest";
import { ehrbaseTestConfig, requireEhrbase, requirePostgres } from "../src/index.js";

describe("missing services", () => {
  it("names EHRbase and the start command when nothing listens", async () => {
    const config = { ...ehrbaseTestConfig(), baseUrl: "http://127.0.0.1:9/ehrbase" };
    await expect(requireEhrbase(config)).rejects.toThrow(
      /EHRbase is not reachable at http:\/\/127\.0\.0\.1:9\/ehrbase\/rest\/status .*scripts\/testbed\.sh up/,
    );
  });

  it("names PostgreSQL and hides the password", async () => {
    const err = await requirePostgres("postgres://postgres:s3cret@127.0.0.1:9/postgres").catch(
      (e: Error) => e,
    );
    expect(String(err)).toMatch(
      /PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:9\/postgres/,
    );
    expect(String(err)).not.toContain("s3cret");
  });
});
