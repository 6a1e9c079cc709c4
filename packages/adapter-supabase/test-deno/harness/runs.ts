/** Reads the function's own record of its runs (ehr_sync_supabase.run_log / the runs view). */
import type { Sql } from "./database.ts";
import { eventually } from "./ehrbase.ts";

export interface RunRow {
  id: number;
  trigger: string;
  call_id: number | null;
  finished: boolean;
  claimed: number | null;
  first_claim: number | null;
  delivered: number | null;
  retried: number | null;
  dead: number | null;
  released: number | null;
  skipped: number | null;
  errors: number | null;
  stopped_because: string | null;
  error_code: string | null;
  duration_ms: number | null;
}

export async function runById(sql: Sql, id: number): Promise<RunRow | undefined> {
  const rows = await sql<RunRow[]>`
    select id::int, trigger, call_id::int, finished_at is not null as finished, claimed, first_claim, delivered,
           retried, dead, released, skipped, errors, stopped_because, error_code, duration_ms
      from ehr_sync_supabase.run_log where id = ${id}`;
  return rows[0];
}

/** Waits until the run has finished (the function records it when the drain is over). */
export function waitForRun(sql: Sql, id: number, timeoutMs = 60_000): Promise<RunRow> {
  return eventually(
    async () => {
      const run = await runById(sql, id);
      return run?.finished ? run : undefined;
    },
    timeoutMs,
    `run ${id} to finish`,
  );
}

export async function allRuns(sql: Sql): Promise<RunRow[]> {
  return await sql<RunRow[]>`
    select id::int, trigger, call_id::int, finished_at is not null as finished, claimed, first_claim, delivered,
           retried, dead, released, skipped, errors, stopped_because, error_code, duration_ms
      from ehr_sync_supabase.run_log order by id`;
}
