/**
 * pg_stat_activity look-ups from a separate superuser session: which backend of a test database is
 * the worker's LISTEN session, and terminating it the way an operator, a failover or an idle-session
 * killer would.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrl } from "@ehr-sync/testkit";
import pg from "pg";

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** A superuser connection to the maintenance database (`postgres`), outside the test database. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * Backends of `database` that are LISTEN sessions: the last statement was the LISTEN itself or the
 * listener's same-session health check (`pg_listening_channels()`), which replaces it in
 * pg_stat_activity.query once it has run.
 */
export async function listenerPids(admin: pg.Client, database: string): Promise<number[]> {
  const result = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'
        and (query ilike 'listen %' or query like '%pg_listening_channels()%')
      order by backend_start`,
    [database],
  );
  return result.rows.map((r) => r.pid);
}

/** Terminates `pid` and resolves once it is really gone from pg_stat_activity. */
export async function terminateBackend(admin: pg.Client, pid: number, timeoutMs = 10_000): Promise<void> {
  const terminated = await admin.query<{ ok: boolean }>("select pg_terminate_backend($1) as ok", [pid]);
  if (terminated.rows[0]?.ok !== true) throw new Error(`pg_terminate_backend(${pid}) returned false`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await admin.query("select 1 from pg_stat_activity where pid = $1", [pid]);
    if (left.rowCount === 0) return;
    if (Date.now() > deadline)
      throw new Error(`backend ${pid} still present ${timeoutMs} ms after termination`);
    await sleep(20);
  }
}
