/**
 * A fresh PostgreSQL database set up like a Supabase project: the test bed's Supabase stand-ins
 * (roles, Vault) and pg_net stand-in, then this example's migrations in file-name order, exactly as
 * `supabase db reset` would apply them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@ehr-sync/testkit";
import pg from "pg";

const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(exampleRoot, "..", "..");
export const migrationsDir = join(exampleRoot, "supabase", "migrations");

export const standinFiles = [
  join(repoRoot, "testbed", "sql", "supabase-standins.sql"),
  join(repoRoot, "testbed", "sql", "net-http-post-standin.sql"),
];

export function migrationFiles(): string[] {
  return readdirSync(migrationsDir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => join(migrationsDir, name));
}

export async function applyFiles(client: pg.Client, files: string[]): Promise<void> {
  for (const file of files) {
    try {
      // No parameters: pg uses the simple protocol, so a file may hold many statements.
      await client.query(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`applying ${file.slice(repoRoot.length + 1)} failed: ${(error as Error).message}`);
    }
  }
}

export interface SupabaseTestDatabase {
  url: string;
  name: string;
  client: pg.Client;
  drop(): Promise<void>;
}

export async function createSupabaseTestDatabase(prefix: string, options = { migrate: true }) {
  const database = await createTestDatabase(prefix);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  client.on("notice", () => {});
  await applyFiles(client, standinFiles);
  if (options.migrate) await applyFiles(client, migrationFiles());
  return {
    url: database.url,
    name: database.name,
    client,
    drop: async () => {
      await client.end();
      await database.drop();
    },
  } satisfies SupabaseTestDatabase;
}
