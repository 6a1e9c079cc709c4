/**
 * The Edge Function writes the same attempt log as the Node worker (the engine writes it, not the
 * adapter): every EHRbase call of a note's deliveries, with the HTTP status EHRbase answered. The
 * same rows are asserted for the Node worker in packages/adapter-node/test/attempt-log.test.ts.
 */
import assert from "node:assert/strict";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { startScenario } from "./harness/scenario.ts";

Deno.test({
  name: "logs each EHRbase call of a note's deliveries with the status EHRbase answered",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await startScenario({ prefix: "sb_e2e_attempts" });
    try {
      const sql = scenario.db.sql;
      await setDoorbell(sql, false);
      const note = await writeAndSignNote(sql);
      assert.equal((await scenario.run({ trigger: "manual" })).delivered, 1);
      await sql`update public.soap_notes set version = 2, plan = plan || ' Addendum.' where id = ${note.noteId}`;
      assert.equal((await scenario.run({ trigger: "manual" })).delivered, 1);

      const logged = await sql<{ action: string; http_status: number | null; outcome: string }[]>`
        select a.action, a.http_status, a.outcome from ehr_sync.attempts a join ehr_sync.queue q on q.id = a.job_id
         where q.note_id = ${note.noteId} order by a.id`;
      assert.deepEqual(
        logged.map((row) => ({ ...row })),
        [
          { action: "create", http_status: 204, outcome: "success" },
          { action: "reconcile", http_status: 200, outcome: "success" },
          { action: "update", http_status: 204, outcome: "success" },
        ],
      );
    } finally {
      await scenario.dispose();
    }
  },
});
