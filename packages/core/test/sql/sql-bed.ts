/**
 * The SQL's own test bed: a fresh database with core's migrations applied as the files are (each one
 * in its own transaction, no runner), and core's store over `pg` — the calls both adapters make.
 */

import { createTestDatabase } from "@ehr-sync/testkit";
import pg from "pg";
import { MIGRATIONS, type Migration, type SqlQuery } from "../../src/index.js";

export interface SqlBed {
  url: string;
  pool: pg.Pool;
  close: () => Promise<void>;
}

/** Applies `migrations` (default: all of core's) in order, each in one transaction. */
export async function applyMigrations(
  url: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const migration of migrations) await client.query(`begin;\n${migration.sql}\ncommit;`);
  } finally {
    await client.end();
  }
}

export async function migratedSqlDatabase(prefix: string): Promise<SqlBed> {
  const database = await createTestDatabase(prefix);
  await applyMigrations(database.url);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
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

/** `(text, values) → rows` over a pool, as adapter-node's pgQuery. */
export const poolQuery =
  (pool: pg.Pool | pg.PoolClient): SqlQuery =>
  async (text, values) =>
    (await pool.query(text, values)).rows;
