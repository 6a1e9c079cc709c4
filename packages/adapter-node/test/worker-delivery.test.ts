/**
 * The worker against real PostgreSQL and the real EHRbase: 200 signed notes become exactly 200
 * compositions (AQL on the feeder-audit note ids), an amendment becomes version 2 of the same
 * composition, and adversarial notes end dead with PHI-free reasons without holding others up.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import {
  compositionsByNoteId,
  ehrbaseOptions,
  ehrIdsOf,
  insertNotes,
  nodeBedTest,
  sampleNoteRow,
  signNotes,
} from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_delivery", { requiresEhrbase: true });

describe("worker delivery", () => {
  it("turns 200 signed notes into exactly 200 compositions and completes every note row", async ({
    bed,
    ehrbase,
  }) => {
    // A long-running worker, started before the notes are signed: NOTIFY wakes it, drain() waits.
    const worker = createWorker({ databaseUrl: bed.url, ehrbase: ehrbaseOptions(), concurrency: 8 });
    await worker.start();
    let noteIds: string[];
    try {
      noteIds = await signNotes(bed.pool, 200, 40);
      await worker.drain(100_000);
    } finally {
      await worker.stop();
    }
    const states = await bed.pool.query(
      "select state, count(*)::int as n from ehr_sync.queue group by state",
    );
    expect(states.rows).toEqual([{ state: "succeeded", n: 200 }]);

    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), noteIds);
    expect(found.size).toBe(200);
    expect([...found.values()].every((uids) => uids.length === 1)).toBe(true);

    const rows = await bed.pool.query(
      `select n.id::text as id, n.ehr_sync_status, n.ehr_composition_uid from public.soap_notes n
        where n.id = any($1::uuid[])`,
      [noteIds],
    );
    expect(rows.rows.filter((r) => r.ehr_sync_status === "completed").length).toBe(200);
    for (const row of rows.rows) {
      expect(row.ehr_composition_uid.split("::")[0]).toBe(found.get(row.id)?.[0]);
    }
  });

  it("sends an amended note as a new version of the same composition (PUT), never a second one", async ({
    bed,
    ehrbase,
  }) => {
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const worker = () =>
      createWorker({ connectionString: bed.url, ehrbase: ehrbaseOptions(), concurrency: 2 });
    await worker().runOnce();
    await bed.pool.query(
      "update public.soap_notes set version = 2, plan = plan || ' Addendum.' where id = $1",
      [id],
    );
    const summary = await worker().runOnce();
    expect(summary.succeeded).toBe(1);

    const note = await bed.pool.query("select ehr_composition_uid from public.soap_notes where id = $1", [
      id,
    ]);
    const uid: string = note.rows[0].ehr_composition_uid;
    expect(uid.endsWith("::2")).toBe(true);
    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), [id as string]);
    expect(found.get(id as string)).toEqual([uid.split("::")[0]]);
    const attempts = await bed.pool.query(
      `select a.action from ehr_sync.attempts a join ehr_sync.queue q on q.id = a.job_id
        where q.note_id = $1 and a.outcome = 'success' order by a.id`,
      [id],
    );
    // The amendment looks the composition up (logged as a reconcile), then PUTs a new version.
    expect(attempts.rows.map((r) => r.action)).toEqual(["create", "reconcile", "update"]);
  });
});
