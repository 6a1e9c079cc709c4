/**
 * The bed fixture against the real PostgreSQL: a test file gets one database of its own, created and
 * migrated once however many tests ask for it, and the EHRbase client factory receives the bed's
 * EHRbase settings.
 */
import pg from "pg";
import { describe, expect } from "vitest";
import { bedTest } from "../src/bed.js";
import { databaseUrl } from "../src/services.js";

const migratedUrls: string[] = [];

const it = bedTest({
  prefix: "ehrsync_testkit_bed",
  migrate: async (url) => {
    migratedUrls.push(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("create table migrated_here (id int)");
    } finally {
      await client.end();
    }
  },
  ehrbase: (config) => ({ baseUrl: config.baseUrl }),
});

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const r = await admin.query("select 1 from pg_database where datname = $1", [name]);
    return r.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe("the bed fixture", () => {
  it("gives the file a fresh, migrated database of its own", async ({ bed }) => {
    const name = new URL(bed.url).pathname.slice(1);
    expect(name.startsWith("ehrsync_testkit_bed_")).toBe(true);
    expect(await databaseExists(name)).toBe(true);
    const r = await bed.pool.query("select to_regclass('public.migrated_here') is not null as migrated");
    expect(r.rows[0]).toEqual({ migrated: true });
  });

  it("shares that database with the file's other tests: created and migrated once", async ({ bed }) => {
    expect(migratedUrls).toEqual([bed.url]);
  });

  it("hands the EHRbase factory the bed's EHRbase", async ({ ehrbase }) => {
    expect(ehrbase.baseUrl).toMatch(/^http/);
  });
});
