/** A fresh test database brought to the current schema by the caller's migration, with a pg pool. */
import pg from "pg";
import { createTestDatabase } from "./services.js";

export interface MigratedDatabase {
  url: string;
  pool: pg.Pool;
  /** Ends the pool and drops the database. */
  close: () => Promise<void>;
}

/**
 * `migrate` is passed in (adapter-node's runner, or core's files applied as they are) because testkit
 * cannot depend on the packages that depend on it.
 */
export async function migratedTestDatabase(
  prefix: string,
  migrate: (url: string) => Promise<unknown>,
): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  await migrate(database.url);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // Tests that cut connections make idle clients emit errors; the running statement reports its own.
  pool.on("error", () => {});
  return {
    url: database.url,
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
