/** One numbered, append-only SQL migration (packages/core/sql/NNNN_name.sql). */
export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
}

/** The table a migration runner records applied versions in. */
export const MIGRATIONS_TABLE = "ehr_sync.schema_migrations";

/**
 * SQL that creates the bookkeeping table. Runners apply each migration and insert its version in one
 * transaction, under `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)` so two installers cannot interleave.
 */
export const MIGRATIONS_TABLE_SQL = `CREATE SCHEMA IF NOT EXISTS ehr_sync;
CREATE TABLE IF NOT EXISTS ehr_sync.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

export const MIGRATION_LOCK_KEY = 7_305_511_001;
