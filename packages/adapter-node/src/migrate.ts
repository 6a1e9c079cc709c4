/**
 * Applies @ehr-sync/core's numbered migrations once each, in order. Each migration and its row in
 * ehr_sync.schema_migrations commit together, under a transaction-scoped advisory lock, so two
 * installers starting at once apply every migration exactly once.
 */
import { MIGRATION_LOCK_KEY, MIGRATIONS, MIGRATIONS_TABLE_SQL, type Migration } from "@ehr-sync/core";
import pg from "pg";

export interface MigrateResult {
  applied: { version: number; name: string }[];
  alreadyApplied: number;
}

export async function migrate(
  connection: string | pg.ClientConfig,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const client = new pg.Client(
    typeof connection === "string" ? { connectionString: connection } : connection,
  );
  await client.connect();
  const applied: MigrateResult["applied"] = [];
  let alreadyApplied = 0;
  try {
    for (const migration of migrations) {
      await client.query("begin");
      try {
        await client.query("select pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
        await client.query(MIGRATIONS_TABLE_SQL);
        const done = await client.query("select 1 from ehr_sync.schema_migrations where version = $1", [
          migration.version,
        ]);
        if (done.rowCount) {
          alreadyApplied += 1;
        } else {
          await client.query(migration.sql);
          await client.query("insert into ehr_sync.schema_migrations (version, name) values ($1, $2)", [
            migration.version,
            migration.name,
          ]);
          applied.push({ version: migration.version, name: migration.name });
        }
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw new Error(
          `ehr-sync migration ${migration.file} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
  return { applied, alreadyApplied };
}
