/**
 * sql/schema.sql is the readable current schema, generated from the migrations: it must be exactly
 * what a fresh migration of an empty database dumps (scripts/dump-schema.mjs --check, real PostgreSQL).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requirePostgres } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/dump-schema.mjs", import.meta.url));

beforeAll(async () => {
  await requirePostgres();
});

describe("sql/schema.sql", () => {
  it("matches a freshly migrated database", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [script, "--check"]).catch(
      (error: { stderr?: string; stdout?: string }) => ({
        stdout: `${error.stdout ?? ""}${error.stderr ?? ""}`,
      }),
    );
    expect(stdout.trim()).toBe("sql/schema.sql matches a fresh migration");
  });
});
