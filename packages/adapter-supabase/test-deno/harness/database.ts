/**
 * One fresh PostgreSQL database per test file, set up like a Supabase project: the Supabase stand-ins
 * (roles, Vault), the net.http_post stand-in, then the example project's migrations in order.
 */
import postgres from "postgres";
import { paths } from "./paths.ts";

export type Sql = ReturnType<typeof postgres>;

export const adminUrl =
  Deno.env.get("DATABASE_URL") ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/** The Edge Function's least-privilege role (created by the example's migrations, NOLOGIN there). */
export const functionRole = { name: "ehr_sync_function", password: "ehr_sync_function-test-bed-only" };

export interface TestDatabase {
  name: string;
  url: string;
  /** The same database, connecting as the function's role (what the served function uses). */
  functionUrl: string;
  sql: Sql;
  drop(): Promise<void>;
}

export async function migrationFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(paths.migrationsDir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name);
  }
  return names.sort();
}

export async function applySqlFile(sql: Sql, file: URL): Promise<void> {
  // Simple protocol: a migration file is many statements, with no parameters.
  await sql.unsafe(await Deno.readTextFile(file)).simple();
}

export async function applyMigrations(sql: Sql): Promise<void> {
  for (const name of await migrationFiles()) await applySqlFile(sql, new URL(name, paths.migrationsDir));
}

export async function createSupabaseTestDatabase(prefix: string): Promise<TestDatabase> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let name: string;
  try {
    await admin`select 1`;
  } catch (error) {
    await admin.end();
    throw new Error(
      `PostgreSQL is not reachable at ${new URL(adminUrl).host} (${(error as Error).message}). ` +
        "Start the test bed with `bash scripts/testbed.sh up` from the repository root.",
    );
  }
  try {
    name = `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 6)}`.toLowerCase();
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, prepare: false, onnotice: () => {} });
  await applySqlFile(sql, paths.supabaseStandins);
  await applySqlFile(sql, paths.netHttpPostStandin);
  await applyMigrations(sql);
  // The deployment step the README asks for: give the role a password so the function can log in.
  // Roles are cluster-wide; only the first test database of the bed has to do it.
  const [role] = await sql<{ rolcanlogin: boolean }[]>`
    select rolcanlogin from pg_roles where rolname = ${functionRole.name}`;
  if (!role?.rolcanlogin) {
    await sql.unsafe(`alter role ${functionRole.name} with login password '${functionRole.password}'`);
  }
  const functionUrl = new URL(url);
  functionUrl.username = functionRole.name;
  functionUrl.password = functionRole.password;
  return {
    name,
    url: url.toString(),
    functionUrl: functionUrl.toString(),
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup`select cron.unschedule(jobid) from cron.job where database = ${name}`;
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Runs `fn` inside a transaction as a Supabase API role, the way PostgREST would. */
export function asRole<T>(
  sql: Sql,
  role: "anon" | "authenticated" | "service_role",
  fn: (tx: Sql) => Promise<T>,
) {
  return sql.begin(async (tx) => {
    await tx.unsafe(`set local role ${role}`);
    return fn(tx as unknown as Sql);
  });
}
