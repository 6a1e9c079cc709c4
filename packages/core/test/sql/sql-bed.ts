/**
 * The SQL's own test bed: a fresh database with core's migrations applied as the files are (each one
 * in its own transaction, no runner), and core's store over `pg` — the calls both adapters make.
 */

import { type MigratedDatabase, migratedTestDatabase } from "@ehr-sync/testkit";
import pg from "pg";
import { MIGRATIONS, type Migration, type SqlQuery } from "../../src/index.js";

export type SqlBed = MigratedDatabase;

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

export function migratedSqlDatabase(prefix: string): Promise<SqlBed> {
  return migratedTestDatabase(prefix, (url) => applyMigrations(url));
}

/** `(text, values) → rows` over a pool, as adapter-node's pgQuery. */
export const poolQuery =
  (pool: pg.Pool | pg.PoolClient): SqlQuery =>
  async (text, values) =>
    (await pool.query(text, values)).rows;
