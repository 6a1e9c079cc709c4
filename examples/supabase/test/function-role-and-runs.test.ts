/**
 * The Edge Function's role, ehr_sync_function, can run the queue and nothing more: it cannot read
 * Vault, other ehr-sync secrets, the note text, or delete queue rows. And the run record: `runs`
 * joins calls, pg_net's responses and the function's runs; prune_history keeps it bounded.
 * (The served function working as this role, end to end, is proven by the adapter's Deno tests.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSupabaseTestDatabase, type SupabaseTestDatabase } from "./supabase-database.js";

let db: SupabaseTestDatabase;

beforeAll(async () => {
  db = await createSupabaseTestDatabase("sb_fnrole");
  await db.client.query(`select vault.create_secret('not-for-the-function', 'stripe_api_key')`);
  await db.client.query(`select vault.create_secret('the-function-key-0123456789', 'ehr_sync_function_key')`);
  await db.client.query(
    `insert into public.soap_notes (patient_id, provider_id, subjective, status, signed_at)
     values ('p-1', 'dr-1', 'Cough for three days', 'signed', now())`,
  );
});

afterAll(async () => {
  await db?.drop();
});

/** Runs statements as ehr_sync_function (SET ROLE from the owner's session), each in its own transaction. */
async function asFunctionRole(statement: string): Promise<{ rows?: unknown[]; code?: string }> {
  try {
    await db.client.query("begin");
    await db.client.query("set local role ehr_sync_function");
    const result = await db.client.query(statement);
    return { rows: result.rows };
  } catch (error) {
    return { code: (error as { code?: string }).code };
  } finally {
    await db.client.query("rollback");
  }
}

describe("the function's role ehr_sync_function", () => {
  it("runs the queue: claims the signed note and writes the status back", async () => {
    const claimed = await asFunctionRole(`select id from ehr_sync.claim_batch('test', 5, 30)`);
    expect(claimed.code).toBeUndefined();
    expect(claimed.rows).toHaveLength(1);
    // The form the function calls: the doorbell's jobs first (SQL 0009).
    const preferred = await asFunctionRole(`select id from ehr_sync.claim_batch('test', 5, 30, 1)`);
    expect(preferred.code).toBeUndefined();
    expect(preferred.rows).toHaveLength(1);
    const written = await asFunctionRole(
      `select ehr_sync.write_back(q, 'failed') from ehr_sync.queue q limit 1`,
    );
    expect(written.code).toBeUndefined();
  });

  it("reads its own key through function_secret, and no other secret", async () => {
    const own = await asFunctionRole(
      `select ehr_sync_supabase.function_secret('ehr_sync_function_key') as s`,
    );
    expect(own.rows).toEqual([{ s: "the-function-key-0123456789" }]);
    const other = await asFunctionRole(`select ehr_sync_supabase.function_secret('stripe_api_key') as s`);
    expect(other.rows).toEqual([{ s: null }]);
  });

  it("cannot read Vault, the note text, or delete queue rows", async () => {
    expect((await asFunctionRole(`select * from vault.decrypted_secrets`)).code).toBe("42501");
    expect((await asFunctionRole(`select subjective from public.soap_notes`)).code).toBe("42501");
    expect((await asFunctionRole(`delete from ehr_sync.queue`)).code).toBe("42501");
    expect((await asFunctionRole(`update public.soap_notes set subjective = 'x'`)).code).toBe("42501");
    expect((await asFunctionRole(`select ehr_sync_supabase.prune_history()`)).code).toBe("42501");
  });
});

describe("ehr_sync_supabase.runs", () => {
  it("ties a call to pg_net's response and to the run the function recorded", async () => {
    const c = db.client;
    await c.query(
      `insert into ehr_sync_supabase.calls (id, trigger, net_request_id) values (901, 'cron', 7001)`,
    );
    await c.query(
      `insert into ehr_sync_supabase.calls (id, trigger, net_request_id) values (902, 'doorbell', 7002)`,
    );
    await c.query(
      `insert into ehr_sync_supabase.calls (id, trigger, net_request_id) values (903, 'doorbell', 7003)`,
    );
    await c.query(
      `insert into net._http_response (id, status_code, content, timed_out) values (7001, 202, '{}', false),
              (7002, 401, '{"error":"unauthorized"}', false)`,
    );
    await c.query(
      `insert into net._http_response (id, timed_out, error_msg) values (7003, false, 'Couldn''t connect to server')`,
    );
    const run = await c.query<{ id: string }>(`select ehr_sync_supabase.begin_run('cron', 901) as id`);
    await c.query(`select ehr_sync_supabase.finish_run($1, $2)`, [
      run.rows[0]?.id,
      JSON.stringify({
        claimed: 3,
        firstClaim: 3,
        firstClaimRungFor: false,
        succeeded: 2,
        retried: 1,
        dead: 0,
        released: 0,
        skipped: 0,
        errors: 0,
        rounds: 1,
        stoppedBecause: "deadline",
        durations: { totalMs: 1234 },
      }),
    ]);
    await c.query(`select ehr_sync_supabase.begin_run('manual', null)`);
    // A run whose instance was killed never records its end; after the platform's limit it says so.
    const killed = await c.query<{ id: string }>(
      `select ehr_sync_supabase.begin_run('doorbell', null) as id`,
    );
    await c.query(
      `update ehr_sync_supabase.run_log set started_at = now() - interval '11 minutes' where id = $1`,
      [killed.rows[0]?.id],
    );
    const { rows } = await c.query(
      `select trigger, outcome, http_status, net_error, claimed, delivered, retried, duration_ms, call_id::int,
              first_claim_rung_for
         from ehr_sync_supabase.runs order by call_id nulls first, trigger desc`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ trigger: "manual", outcome: "running", http_status: null, call_id: null }),
      expect.objectContaining({ trigger: "doorbell", outcome: "no end recorded", call_id: null }),
      expect.objectContaining({
        trigger: "cron",
        outcome: "deadline",
        http_status: 202,
        claimed: 3,
        delivered: 2,
        retried: 1,
        duration_ms: 1234,
        call_id: 901,
        first_claim_rung_for: false,
      }),
      expect.objectContaining({ trigger: "doorbell", outcome: "refused: HTTP 401", call_id: 902 }),
      expect.objectContaining({
        trigger: "doorbell",
        outcome: "not delivered",
        net_error: "Couldn't connect to server",
        call_id: 903,
      }),
    ]);
  });

  it("is pruned: prune_history drops calls and runs older than the kept window", async () => {
    const c = db.client;
    await c.query(
      `update ehr_sync_supabase.run_log set started_at = now() - interval '8 days' where trigger = 'cron'`,
    );
    await c.query(`update ehr_sync_supabase.calls set called_at = now() - interval '8 days' where id = 901`);
    await c.query(`select ehr_sync_supabase.prune_history()`);
    const left = await c.query(
      `select trigger, call_id::int from ehr_sync_supabase.runs order by call_id nulls first, trigger desc`,
    );
    expect(left.rows).toEqual([
      { trigger: "manual", call_id: null },
      { trigger: "doorbell", call_id: null },
      { trigger: "doorbell", call_id: 902 },
      { trigger: "doorbell", call_id: 903 },
    ]);
  });
});
