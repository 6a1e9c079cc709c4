/**
 * The doorbell's note goes ahead of the backlog. With 600 notes waiting and the safety net's cron run
 * draining them, a newly signed note's doorbell tells the function which job it rang for
 * (`firstJobId`), and that run's first claim takes it ahead of the older notes: the note is in EHRbase
 * while most of the backlog is still on its way, and `runs` says the first claim found it. (Before,
 * claims were first-in-first-out and the new note waited for the whole backlog.)
 * Outcomes only, no timings: what EHRbase holds, what the queue says, what `runs` shows.
 */
import assert from "node:assert/strict";
import { compositionUidsInEhr, ehrbase, ehrIdForSubject, eventually } from "./harness/ehrbase.ts";
import { startEhrbaseProxy } from "./harness/ehrbase-proxy.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor, subjectNamespace } from "./harness/queue.ts";
import { allRuns } from "./harness/runs.ts";
import { startScenario } from "./harness/scenario.ts";

const BACKLOG = 600;

Deno.test({
  name: "with a 600-note backlog and a cron run draining it, a new note's doorbell run claims that note first",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // Every EHRbase call slowed a little: the backlog takes minutes, not seconds, to drain, so "the
    // new note arrived while most of the backlog had not" does not depend on the machine's speed.
    const proxy = await startEhrbaseProxy(ehrbase.baseUrl);
    proxy.setDelayMs(150);
    const scenario = await startScenario({ prefix: "sb_e2e_ahead", ehrbaseUrl: proxy.url });
    const sql = scenario.db.sql;
    try {
      await setDoorbell(sql, false);
      await sql`
        insert into public.soap_notes (patient_id, patient_namespace, encounter_id, encounter_start, encounter_kind,
                                       provider_id, provider_name, subjective, objective, assessment, plan,
                                       status, signed_at)
        select gen_random_uuid()::text, ${subjectNamespace}, gen_random_uuid()::text, now() - interval '20 minutes',
               'video', gen_random_uuid()::text, 'Dr Test Provider', 'Cough for three days', 'Temp 37.9 C',
               'Viral URTI', 'Rest, fluids, review in one week', 'signed', now()
          from generate_series(1, ${BACKLOG}::int)`;
      await setDoorbell(sql, true);

      // The safety net's call, exactly as pg_cron makes it; wait until its run holds leases.
      await sql`select ehr_sync_supabase.run_safety_net()`;
      await eventually(
        async () => {
          const [row] = await sql<{ n: number }[]>`
            select count(*)::int as n from ehr_sync.queue where state = 'leased'`;
          return (row?.n ?? 0) > 0 ? true : undefined;
        },
        30_000,
        "the cron run to claim from the backlog",
      );

      // A provider signs a note: its doorbell rings for it.
      const note = await writeAndSignNote(sql);
      const [job] = await sql<
        { id: string }[]
      >`select id::text from ehr_sync.queue where note_id = ${note.noteId}`;

      await eventually(
        async () => ((await queueRowFor(sql, note.noteId))?.status === "succeeded" ? true : undefined),
        60_000,
        "the new note to be delivered",
      );
      // Most of the backlog is still waiting: the note did not wait its turn behind it.
      const [backlog] = await sql<{ undelivered: number }[]>`
        select count(*)::int as undelivered from ehr_sync.queue
         where note_id <> ${note.noteId} and state <> 'succeeded'`;
      assert.ok(
        (backlog?.undelivered ?? 0) > BACKLOG / 2,
        `the new note arrived only after ${BACKLOG - (backlog?.undelivered ?? 0)} of ${BACKLOG} older notes`,
      );

      // EHRbase holds the note's composition, in its patient's EHR.
      const ehrId = await ehrIdForSubject(note.patientId, subjectNamespace);
      assert.ok(ehrId, "the new note's patient has an EHR");
      assert.equal((await compositionUidsInEhr(ehrId)).length, 1);

      // `runs` shows the doorbell's call, the job it rang for, and that the first claim found it.
      const doorbell = await eventually(
        async () => {
          const rows = await sql<
            {
              first_job_id: string | null;
              first_claim: number | null;
              first_claim_rung_for: boolean | null;
            }[]
          >`
            select first_job_id::text, first_claim, first_claim_rung_for
              from ehr_sync_supabase.runs where trigger = 'doorbell' and run_id is not null`;
          return rows.length > 0 ? rows : undefined;
        },
        30_000,
        "the doorbell's run in ehr_sync_supabase.runs",
      );
      assert.equal(doorbell.length, 1, JSON.stringify(doorbell));
      assert.equal(doorbell[0]?.first_job_id, job?.id);
      assert.equal(doorbell[0]?.first_claim_rung_for, true);
      assert.ok((doorbell[0]?.first_claim ?? 0) >= 1);
    } finally {
      await scenario.dispose();
      await proxy.close();
    }
  },
});

Deno.test({
  name: "a malformed firstJobId gets 400 naming the field, and no run",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await startScenario({ prefix: "sb_e2e_firstjob" });
    try {
      for (const firstJobId of ["12", -1, 0, 1.5, 2 ** 60, "x"]) {
        const answer = await scenario.invoke({ trigger: "doorbell", firstJobId });
        assert.equal(answer.status, 400, JSON.stringify({ firstJobId, answer }));
        assert.match(String(answer.body.message), /firstJobId/);
      }
      assert.equal((await allRuns(scenario.db.sql)).length, 0);
      // A well-formed one is accepted.
      const run = await scenario.run({ trigger: "doorbell", firstJobId: 1 });
      assert.equal(run.stopped_because, "queue_empty");
    } finally {
      await scenario.dispose();
    }
  },
});
