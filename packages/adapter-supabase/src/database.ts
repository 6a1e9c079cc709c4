/**
 * The function's database connection: postgres.js over SUPABASE_DB_URL. Safe behind a
 * transaction-mode pooler (Supavisor, PgBouncer): no named prepared statements (`prepare: false`),
 * no session state (no SET, LISTEN, temp tables or session advisory locks); every queue operation is
 * one autocommit call of an ehr_sync SQL function.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export function connectDatabase(url: string, maxConnections: number): Sql {
  return postgres(url, {
    max: maxConnections,
    prepare: false,
    // Edge instances are short-lived; do not keep idle connections pinned on the pooler.
    idle_timeout: 20,
    connect_timeout: 10,
    // Bounded waits: a stuck statement fails instead of pinning the invocation; ehr-sync never waits
    // for the app's note rows (a locked row's status is written later), so lock waits stay short.
    connection: { application_name: "ehr-sync-supabase", statement_timeout: 30_000, lock_timeout: 5_000 },
    onnotice: () => {},
  });
}

/** Reads one Vault secret by name; undefined when it does not exist. */
export async function readVaultSecret(sql: Sql, name: string): Promise<string | undefined> {
  const rows = await sql<{ decrypted_secret: string | null }[]>`
    select decrypted_secret from vault.decrypted_secrets where name = ${name} limit 1`;
  return rows[0]?.decrypted_secret ?? undefined;
}
