/**
 * The two ways a signed note reaches EHRbase in the example project, end to end with real services
 * and the test bed's pg_net stand-in (queued in the transaction, sent after commit by its sender):
 *  1. the doorbell: signing → trigger → net.http_post → (commit) → the Edge Function (served by real
 *     Deno) → EHRbase, with no settle wait and no cron job; a rolled-back signing sends nothing;
 *  2. the pg_cron safety net alone (doorbell disabled): one real minute tick of pg_cron;
 * and what `ehr_sync_supabase.runs` shows for each call, a refused one included.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminUrl, functionRole, type Sql } from "./harness/database.ts";
import { compositionUidsInEhr, ehrIdForSubject, eventually } from "./harness/ehrbase.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor, subjectNamespace } from "./harness/queue.ts";
import { allRuns } from "./harness/runs.ts";
import { startScenario } from "./harness/scenario.ts";

class RolledBack extends Error {}

async function compositionsFor(patientId: string): Promise<string[]> {
  const ehrId = await ehrIdForSubject(patientId, subjectNamespace);
  return ehrId ? await compositionUidsInEhr(ehrId) : [];
}

interface RunsViewRow {
  trigger: string;
  outcome: string;
  http_status: number | null;
  delivered: number | null;
  first_claim: number | null;
  first_claim_rung_for: boolean | null;
  call_id: number | null;
  run_id: number | null;
}

function runsView(sql: Sql) {
  return sql<RunsViewRow[]>`
    select trigger, outcome, http_status, delivered, first_claim, first_claim_rung_for, call_id::int, run_id::int
      from ehr_sync_supabase.runs`;
}

Deno.test({
  name: "a signed note reaches EHRbase via the doorbell, and via the pg_cron job alone when the doorbell is off",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const scenario = await startScenario({ prefix: "sb_e2e_flow" });
    try {
      await t.step(
        "a rolled-back signing queues the doorbell inside its transaction and sends nothing",
        async () => {
          let patientId = "";
          await assert.rejects(
            scenario.db.sql.begin(async (tx) => {
              patientId = (await writeAndSignNote(tx as unknown as Sql)).patientId;
              // pg_net semantics: the request is a row of the transaction, not yet sent.
              const [queued] = await tx<
                { n: number }[]
              >`select count(*)::int as n from net.http_request_queue`;
              assert.equal(queued?.n, 1);
              throw new RolledBack();
            }),
            RolledBack,
          );
          const [left] = await scenario.db.sql<{ n: number }[]>`
          select (select count(*) from net.http_request_queue) + (select count(*) from net._http_response)
               + (select count(*) from ehr_sync_supabase.calls) as n`;
          assert.equal(Number(left?.n), 0);
          assert.deepEqual(await compositionsFor(patientId), []);
        },
      );

      await t.step("doorbell: a committed signing is delivered; the first claim finds the note", async () => {
        const note = await writeAndSignNote(scenario.db.sql);
        const uids = await eventually(
          async () => {
            const found = await compositionsFor(note.patientId);
            return found.length > 0 ? found : undefined;
          },
          20_000,
          "the doorbell-triggered composition in EHRbase",
        );
        assert.equal(uids.length, 1);
        const row = await eventually(
          async () => {
            const r = await queueRowFor(scenario.db.sql, note.noteId);
            return r?.status === "succeeded" ? r : undefined;
          },
          10_000,
          "the queue row to be completed",
        );
        assert.equal(row.attempts, 1);
        // One call (the rolled-back one left nothing), answered 202, its run found the note at once
        // although the function runs with the default settle wait of 0.
        const [run] = await eventually(
          async () => {
            const rows = await runsView(scenario.db.sql);
            return rows.length === 1 && rows[0]?.outcome === "queue_empty" ? rows : undefined;
          },
          10_000,
          "the doorbell's run in ehr_sync_supabase.runs",
        );
        assert.equal(run?.trigger, "doorbell");
        assert.equal(run?.http_status, 202);
        assert.equal(run?.delivered, 1);
        assert.equal(run?.first_claim, 1);
        // …and that note was the one the doorbell rang for.
        assert.equal(run?.first_claim_rung_for, true);
        assert.ok(run?.call_id !== null && run?.run_id !== null, JSON.stringify(run));
      });

      await t.step("pg_cron alone: with the doorbell disabled, one minute tick syncs the note", async () => {
        await setDoorbell(scenario.db.sql, false);
        const note = await writeAndSignNote(scenario.db.sql);
        assert.equal((await queueRowFor(scenario.db.sql, note.noteId))?.status, "pending");
        const cron = postgres(adminUrl, { max: 1, onnotice: () => {} });
        const jobName = `process-ehr-sync-queue-every-5-minutes-${scenario.db.name}`;
        try {
          // Same command as the migration's job; every minute instead of every 5 (pg_cron 1.4 has no seconds).
          await cron`select cron.schedule_in_database(${jobName}, '* * * * *',
                       'select ehr_sync_supabase.run_safety_net()', ${scenario.db.name})`;
          const uids = await eventually(
            async () => {
              const ehrId = await ehrIdForSubject(note.patientId, subjectNamespace);
              const found = ehrId ? await compositionUidsInEhr(ehrId) : [];
              return found.length > 0 ? found : undefined;
            },
            75_000,
            "the cron-triggered composition in EHRbase",
          );
          assert.equal(uids.length, 1);
          const runs = await eventually(
            async () => {
              const r = await cron<{ status: string }[]>`
              select d.status from cron.job_run_details d join cron.job j using (jobid)
              where j.jobname = ${jobName} and d.status = 'succeeded'`;
              return r.length > 0 ? r : undefined;
            },
            10_000,
            "a succeeded pg_cron run",
          );
          assert.ok(runs.length >= 1);
          // pg_cron's "succeeded" only says the request was queued; runs shows what the call did.
          const cronRun = await eventually(
            async () => {
              const rows = await runsView(scenario.db.sql);
              const row = rows.find((r) => r.trigger === "cron" && (r.delivered ?? 0) >= 1);
              return row?.outcome === "queue_empty" ? row : undefined;
            },
            10_000,
            "the cron call's run in ehr_sync_supabase.runs",
          );
          assert.equal(cronRun.http_status, 202);
        } finally {
          await cron`select cron.unschedule(jobid) from cron.job where jobname = ${jobName}`;
          await cron.end();
        }
      });

      await t.step(
        "a call refused with 401 (the key in Vault is not the function's) shows in runs",
        async () => {
          const runsBefore = (await allRuns(scenario.db.sql)).length;
          // What ring_doorbell does, with a key the function does not accept.
          const [{ request_id }] = await scenario.db.sql<{ request_id: string }[]>`
          with c as (select nextval('ehr_sync_supabase.calls_id_seq') as id)
          insert into ehr_sync_supabase.calls (id, trigger, net_request_id)
          select c.id, 'doorbell', net.http_post(${scenario.server.url},
                   jsonb_build_object('trigger', 'doorbell', 'callId', c.id),
                   headers := jsonb_build_object('Authorization', ${`Bearer wrong-${crypto.randomUUID()}`}::text))
            from c
          returning net_request_id::text as request_id`;
          const refused = await eventually(
            async () => {
              const rows = await scenario.db.sql<RunsViewRow[]>`
              select trigger, outcome, http_status, delivered, first_claim, call_id::int, run_id::int
                from ehr_sync_supabase.runs where net_request_id = ${request_id}::bigint`;
              return rows[0]?.http_status ? rows[0] : undefined;
            },
            10_000,
            "pg_net's answer to the refused call",
          );
          assert.equal(refused.outcome, "refused: HTTP 401");
          assert.equal(refused.run_id, null);
          assert.equal((await allRuns(scenario.db.sql)).length, runsBefore);
        },
      );

      await t.step("the function worked as its least-privilege role, not as postgres", async () => {
        const users = await scenario.db.sql<{ usename: string }[]>`
          select distinct usename from pg_stat_activity
           where datname = current_database() and application_name = 'ehr-sync-supabase'`;
        assert.deepEqual(
          users.map((u) => u.usename),
          [functionRole.name],
        );
      });

      await t.step("the function's log holds counts only, no patient data", () => {
        const log = scenario.server.output();
        assert.match(log, /"event":"ehr_sync.invocation"/);
        assert.doesNotMatch(log, /Cough|Viral URTI|Temp 37/);
      });
    } finally {
      await scenario.dispose();
    }
  },
});
