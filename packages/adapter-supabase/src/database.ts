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

/**
 * Reads one Vault secret by name through ehr_sync_supabase.function_secret (SECURITY DEFINER), so
 * the function's least-privilege role can read its own key and nothing else of Vault.
 */
export async function readVaultSecret(sql: Sql, name: string): Promise<string | undefined> {
  const rows = await sql<{ secret: string | null }[]>`
    select ehr_sync_supabase.function_secret(${name}) as secret`;
  return rows[0]?.secret ?? undefined;
}

/** Records that a run starts (ehr_sync_supabase.run_log); returns its id. */
export async function beginRun(sql: Sql, trigger: string, callId: number | null): Promise<number> {
  const rows = await sql<{ id: string }[]>`
    select ehr_sync_supabase.begin_run(${trigger}, ${callId}::bigint)::text as id`;
  return Number(rows[0]?.id);
}

/** Records what the run's first claim found, while the run goes on (ehr_sync_supabase.run_log). */
export async function recordFirstClaim(
  sql: Sql,
  runId: number,
  firstClaim: number,
  rungFor: boolean | null,
): Promise<void> {
  await sql`select ehr_sync_supabase.record_first_claim(${runId}::bigint, ${firstClaim}::int, ${rungFor}::boolean)`;
}

/** Records how a run ended: the summary's counts, stop reason and duration (no PHI). */
export async function finishRun(sql: Sql, runId: number, summary: object): Promise<void> {
  // ::text::jsonb: postgres.js would JSON-encode a string bound straight to jsonb a second time.
  await sql`select ehr_sync_supabase.finish_run(${runId}::bigint, ${JSON.stringify(summary)}::text::jsonb)`;
}
