/**
 * The cron call never holds pg_net. pg_net's worker (and the test bed's stand-in, which behaves the
 * same) finishes a whole batch before it takes new requests, so a call whose answer waits for a long
 * drain would hold up every other net.http_* request of the database. The function answers at once
 * (202) and drains in the background: while a cron run is still draining a backlog through a slowed
 * EHRbase, an unrelated net.http_get and a new note's doorbell both get their answers.
 */
import assert from "node:assert/strict";
import { ehrbase, eventually } from "./harness/ehrbase.ts";
import { startEhrbaseProxy } from "./harness/ehrbase-proxy.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor } from "./harness/queue.ts";
import { runById, waitForRun } from "./harness/runs.ts";
import { startScenario } from "./harness/scenario.ts";

const BACKLOG = 12;

function startUnrelatedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        signal: controller.signal,
        onListen: ({ port }) =>
          resolve({
            url: `http://127.0.0.1:${port}/unrelated`,
            close: async () => {
              controller.abort();
              await server.finished;
            },
          }),
      },
      () => new Response("unrelated ok"),
    );
  });
}

Deno.test({
  name: "while a cron run drains a backlog, an unrelated net.http_get and a new doorbell are answered",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const proxy = await startEhrbaseProxy(ehrbase.baseUrl);
    const unrelated = await startUnrelatedServer();
    const scenario = await startScenario({
      prefix: "sb_e2e_pgnet",
      ehrbaseUrl: proxy.url,
      env: { EHR_SYNC_CONCURRENCY: "2" },
    });
    const sql = scenario.db.sql;
    try {
      await setDoorbell(sql, false);
      for (let i = 0; i < BACKLOG; i++) await writeAndSignNote(sql);
      await setDoorbell(sql, true);
      // Slow enough that the drain outlasts pg_net's 5 s timeout of the cron call.
      proxy.setDelayMs(700);

      // The safety net's call, exactly as pg_cron makes it.
      await sql`select ehr_sync_supabase.run_safety_net()`;
      const cronRunId = await eventually(
        async () => {
          const [row] = await sql<{ id: number }[]>`
            select id::int from ehr_sync_supabase.run_log where trigger = 'cron' and finished_at is null`;
          return row?.id;
        },
        10_000,
        "the cron call's run to start",
      );

      // Meanwhile: something unrelated asks pg_net for a GET, and a provider signs a note.
      const [{ get_id }] = await sql<
        { get_id: string }[]
      >`select net.http_get(${unrelated.url})::text as get_id`;
      const note = await writeAndSignNote(sql);
      const [{ doorbell_id }] = await sql<{ doorbell_id: string }[]>`
        select net_request_id::text as doorbell_id from ehr_sync_supabase.calls
         where trigger = 'doorbell' order by id desc limit 1`;

      const answers = await eventually(
        async () => {
          const rows = await sql<{ id: string; status_code: number | null }[]>`
            select id::text, status_code from net._http_response where id in (${get_id}::bigint, ${doorbell_id}::bigint)`;
          return rows.length === 2 ? rows : undefined;
        },
        30_000,
        "pg_net's answers to the GET and the doorbell",
      );
      // Both answered while the cron run was still draining: the cron call did not hold pg_net.
      const cronRun = await runById(sql, cronRunId);
      assert.equal(cronRun?.finished, false, JSON.stringify(cronRun));
      // pg_net itself got the cron call's answer (202), not a timeout after waiting for the drain.
      const [cronCall] = await sql<{ http_status: number | null; outcome: string }[]>`
        select http_status, outcome from ehr_sync_supabase.runs where run_id = ${cronRunId}`;
      assert.deepEqual({ ...cronCall }, { http_status: 202, outcome: "running" });
      assert.deepEqual(Object.fromEntries(answers.map((a) => [a.id, a.status_code])), {
        [get_id]: 200,
        [doorbell_id]: 202,
      });

      // Let everything finish: the backlog and the new note are delivered.
      proxy.setDelayMs(0);
      const finished = await waitForRun(sql, cronRunId);
      assert.equal(finished.stopped_because, "queue_empty");
      await eventually(
        async () => ((await queueRowFor(sql, note.noteId))?.status === "succeeded" ? true : undefined),
        30_000,
        "the new note to be delivered",
      );
      await eventually(
        async () => {
          const [row] = await sql<{ n: number }[]>`
            select count(*)::int as n from ehr_sync_supabase.run_log where finished_at is null`;
          return row?.n === 0 ? true : undefined;
        },
        30_000,
        "every run to finish",
      );
    } finally {
      await scenario.dispose();
      await proxy.close();
      await unrelated.close();
    }
  },
});
