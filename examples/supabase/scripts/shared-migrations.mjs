// Which Supabase migration file each shared SQL file becomes (used by the sync script and its test).
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const sharedSqlDir = join(exampleRoot, "..", "..", "packages", "core", "sql");
export const migrationsDir = join(exampleRoot, "supabase", "migrations");
/** Generated copies sort before the Supabase-specific migrations (20260102…). */
export const GENERATED_PREFIX = "20260101";

/** @returns {{ source: string, target: string }[]} */
export function expectedCopies() {
  const files = readdirSync(sharedSqlDir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort();
  return files.map((name) => ({
    source: join(sharedSqlDir, name),
    target: `${GENERATED_PREFIX}00${name.slice(0, 4)}_ehr_sync_${name}`,
  }));
}
