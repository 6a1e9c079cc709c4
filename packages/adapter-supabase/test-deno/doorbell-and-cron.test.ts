/**
 * The two ways a signed note reaches EHRbase in the example project, end to end with real services:
 *  1. the doorbell: signing → trigger → net.http_post → the Edge Function (served by real Deno) →
 *     EHRbase, in seconds, with no cron job scheduled at all;
 *  2. the pg_cron safety net alone (doorbell disabled): one real minute tick of pg_cron.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminUrl } from "./harness/database.ts";
import { compositionUidsInEhr, ehrIdForSubject, eventually } from "./harness/ehrbase.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor, subjectNamespace } from "./harness/queue.ts";
import { startScenario } from "./harness/scenario.ts";

Deno.test({
  name: "a signed note reaches EHRbase via the doorbell, and via the pg_cron job alone when the doorbell is off",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const scenario = await startScenario({ prefix: "sb_e2e_flow" });
    try {
      await t.step("doorbell: the composition is in EHRbase within seconds of signing", async () => {
        const note = await writeAndSignNote(scenario.db.sql);
        const uids = await eventually(
          async () => {
            const ehrId = await ehrIdForSubject(note.patientId, subjectNamespace);
            const found = ehrId ? await compositionUidsInEhr(ehrId) : [];
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
        // the doorbell request was answered 202 (accepted, drained in the background)
        const rung = await scenario.db.sql<{ status_code: number | null }[]>`
          select status_code from net._http_response order by id`;
        assert.ok(
          rung.some((r) => r.status_code === 202),
          JSON.stringify(rung),
        );
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
          // the function's JSON summary came back to pg_net
          const summaries = await scenario.db.sql<{ content: string }[]>`
            select content from net._http_response where status_code = 200 order by id`;
          const claimed = summaries.map((s) => JSON.parse(s.content).claimed as number);
          assert.ok(
            claimed.some((n) => n >= 1),
            JSON.stringify(claimed),
          );
        } finally {
          await cron`select cron.unschedule(jobid) from cron.job where jobname = ${jobName}`;
          await cron.end();
        }
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
