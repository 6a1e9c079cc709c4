/**
 * The doorbell tells the function which jobs it rang for: the smallest queue id the ringing
 * transaction queued travels as `firstJobId` in the request body pg_net sends, and is recorded in
 * ehr_sync_supabase.calls (shown by `runs` with whether the run's first claim took it). The cron call
 * rings for no job in particular.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSupabaseTestDatabase, type SupabaseTestDatabase } from "./supabase-database.js";

let db: SupabaseTestDatabase;

beforeAll(async () => {
  db = await createSupabaseTestDatabase("sb_firstjob");
  // Nothing listens there: the requests are only looked at, inside transactions that are rolled back.
  await db.client.query(
    `select ehr_sync_supabase.configure_function('http://127.0.0.1:9/functions/v1/process-ehr-sync-queue',
                                                 'a-function-key-0123456789')`,
  );
});

afterAll(async () => {
  await db?.drop();
});

async function signNotes(count: number): Promise<void> {
  await db.client.query(
    `insert into public.soap_notes (patient_id, provider_id, subjective, status, signed_at)
     select 'p-' || g, 'dr-1', 'Cough for three days', 'signed', now() from generate_series(1, $1::int) g`,
    [count],
  );
}

/** The bodies of the requests this transaction queued in pg_net, with their calls' first_job_id. */
async function queuedCalls() {
  const { rows } = await db.client.query<{ body: Record<string, unknown>; first_job_id: string | null }>(
    `select convert_from(r.body, 'UTF8')::jsonb as body, c.first_job_id::text
       from net.http_request_queue r join ehr_sync_supabase.calls c on c.net_request_id = r.id
      order by r.id`,
  );
  return rows;
}

describe("the doorbell's firstJobId", () => {
  it("is the smallest job id the signing transaction queued, sent in the body and recorded in calls", async () => {
    await signNotes(2); // a backlog, committed (its doorbell left for nowhere)
    await db.client.query("begin");
    try {
      await signNotes(3);
      await signNotes(1); // a second statement of the transaction: no second doorbell
      const queued = await db.client.query<{ id: string }>(
        "select min(id)::text as id from ehr_sync.queue where enqueued_at = now()",
      );
      const calls = await queuedCalls();
      const mine = calls.filter((c) => c.first_job_id === queued.rows[0]?.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.body).toEqual({
        trigger: "doorbell",
        callId: expect.any(Number),
        firstJobId: Number(queued.rows[0]?.id),
      });
    } finally {
      await db.client.query("rollback");
    }
  });

  it("is absent from the cron call, which rings for no job in particular", async () => {
    await db.client.query("begin");
    try {
      await db.client.query("select ehr_sync_supabase.run_safety_net()");
      const cron = (await queuedCalls()).filter((c) => c.body.trigger === "cron");
      expect(cron).toEqual([{ body: { trigger: "cron", callId: expect.any(Number) }, first_job_id: null }]);
    } finally {
      await db.client.query("rollback");
    }
  });

  it("shows in runs with whether the run's first claim took it", async () => {
    const c = db.client;
    await c.query(
      `insert into ehr_sync_supabase.calls (id, trigger, net_request_id, first_job_id)
       values (9901, 'doorbell', null, 42), (9902, 'doorbell', null, 43)`,
    );
    for (const [callId, rungFor] of [
      [9901, true],
      [9902, false],
    ] as const) {
      const run = await c.query<{ id: string }>(`select ehr_sync_supabase.begin_run('doorbell', $1) as id`, [
        callId,
      ]);
      await c.query(`select ehr_sync_supabase.finish_run($1, $2)`, [
        run.rows[0]?.id,
        JSON.stringify({
          claimed: 1,
          firstClaim: 1,
          firstClaimRungFor: rungFor,
          stoppedBecause: "queue_empty",
        }),
      ]);
    }
    const { rows } = await c.query(
      `select call_id::int, first_job_id::int, first_claim_rung_for
         from ehr_sync_supabase.runs where call_id in (9901, 9902) order by call_id`,
    );
    expect(rows).toEqual([
      { call_id: 9901, first_job_id: 42, first_claim_rung_for: true },
      { call_id: 9902, first_job_id: 43, first_claim_rung_for: false },
    ]);
  });
});
