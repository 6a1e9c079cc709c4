/**
 * The test bed as a vitest fixture: each test file that asks for `bed` gets a freshly created and
 * migrated database of its own (with a pg pool), and `ehrbase` a client for the shared EHRbase; both
 * are created once per file, on first use, and the database is dropped after the file's last test.
 *
 * The migration and the client are passed in because testkit cannot depend on the packages that
 * depend on it (core, the client, the adapters: that would be a cycle in the workspace graph).
 */
import pg from "pg";
import { test } from "vitest";
import { createTestDatabase, type EhrbaseTestConfig, requireEhrbase } from "./services.js";

export interface BedSetup<Ehrbase> {
  /** Prefix of the database's name (unique per test file, so a leftover names its file). */
  prefix: string;
  /** Brings the fresh database to the current schema (e.g. adapter-node's `migrate`). */
  migrate: (url: string) => Promise<unknown>;
  /** A client for the test bed's EHRbase. */
  ehrbase: (config: EhrbaseTestConfig) => Ehrbase;
  /**
   * The file's tests need EHRbase even where they take no client (a worker they start talks to it):
   * `bed` then fails first, naming EHRbase and how to start it, when it is not reachable.
   */
  requiresEhrbase?: boolean;
}

export interface Bed {
  /** Connection string of the file's own database. */
  url: string;
  pool: pg.Pool;
}

export function bedTest<Ehrbase>(setup: BedSetup<Ehrbase>) {
  return (
    test
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
      .extend("bed", { scope: "file" }, async ({}, { onCleanup }): Promise<Bed> => {
        if (setup.requiresEhrbase) await requireEhrbase();
        const database = await createTestDatabase(setup.prefix);
        const pool = new pg.Pool({ connectionString: database.url, max: 4 });
        // Tests that cut connections (outages, listener loss) make idle clients emit errors; the
        // statement that was running reports its own.
        pool.on("error", () => {});
        onCleanup(async () => {
          await pool.end();
          await database.drop();
        });
        await setup.migrate(database.url);
        return { url: database.url, pool };
      })
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
      .extend("ehrbase", { scope: "file" }, async ({}) => setup.ehrbase(await requireEhrbase()))
  );
}
