/**
 * adapter-node's migration runner against a real PostgreSQL: each of core's migrations applied once, in
 * order, and recorded; two installers racing on a fresh database. (The SQL's own tests are in
 * packages/core/test/sql.)
 */
import { MIGRATIONS } from "@ehr-sync/core";
import { createTestDatabase } from "@ehr-sync/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/migrate.js";
import { migratedDatabase, type TestBed } from "./helpers/bed.js";

let bed: TestBed;
const db = () => bed.pool;

beforeAll(async () => {
  bed = await migratedDatabase("ehrsync_migrate");
});
afterAll(async () => {
  await bed?.close();
});

describe("migrate", () => {
  it("applies every migration once, in order, and records it", async () => {
    const again = await migrate(bed.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(MIGRATIONS.length);
    const recorded = await db().query("select version from ehr_sync.schema_migrations order by version");
    expect(recorded.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("is safe when two installers run at once on a fresh database", async () => {
    // a database with nothing applied, so both installers have every migration to race for
    const fresh = await createTestDatabase("ehrsync_sql_race");
    try {
      const results = await Promise.all([migrate(fresh.url), migrate(fresh.url)]);
      const versions = MIGRATIONS.map((m) => m.version);
      const applied = results.flatMap((r) => r.applied.map((a) => a.version)).sort((a, b) => a - b);
      expect(applied).toEqual(versions);
      expect(results.map((r) => r.applied.length + r.alreadyApplied)).toEqual([
        MIGRATIONS.length,
        MIGRATIONS.length,
      ]);
      const check = new pg.Client({ connectionString: fresh.url });
      await check.connect();
      try {
        const recorded = await check.query<{ version: number }>(
          "select version from ehr_sync.schema_migrations order by version",
        );
        expect(recorded.rows.map((r) => r.version)).toEqual(versions);
      } finally {
        await check.end();
      }
    } finally {
      await fresh.drop();
    }
  });
});
