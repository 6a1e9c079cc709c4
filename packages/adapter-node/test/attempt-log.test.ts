/**
 * The attempt log (the audit trail) records the HTTP status EHRbase actually answered, for every
 * call of a delivery: the create, the look-up an amendment makes first, and the update. The engine
 * writes it (core's ehrbaseGateway and processJob), so the Supabase adapter writes the same rows.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorker } from "../src/worker.js";
import {
  ehrbaseClient,
  ehrbaseOptions,
  insertNotes,
  migratedDatabase,
  sampleNoteRow,
  type TestBed,
} from "./helpers/bed.js";

let bed: TestBed;

beforeAll(async () => {
  await ehrbaseClient();
  bed = await migratedDatabase("ehrsync_attempt_log");
});
afterAll(async () => {
  await bed?.close();
});

describe("attempt log", () => {
  it("logs each EHRbase call of a note's deliveries with the status EHRbase answered", async () => {
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const worker = () =>
      createWorker({ connectionString: bed.url, ehrbase: ehrbaseOptions(), concurrency: 1 });
    expect((await worker().runOnce()).succeeded).toBe(1);
    await bed.pool.query(
      "update public.soap_notes set version = 2, plan = plan || ' Addendum.' where id = $1",
      [id],
    );
    expect((await worker().runOnce()).succeeded).toBe(1);

    const logged = await bed.pool.query<{ action: string; http_status: number | null; outcome: string }>(
      `select a.action, a.http_status, a.outcome from ehr_sync.attempts a join ehr_sync.queue q on q.id = a.job_id
        where q.note_id = $1 order by a.id`,
      [id],
    );
    // EHRbase answers a create and an update without Prefer: return=representation with 204, and a
    // found composition with 200.
    expect(logged.rows).toEqual([
      { action: "create", http_status: 204, outcome: "success" },
      { action: "reconcile", http_status: 200, outcome: "success" },
      { action: "update", http_status: 204, outcome: "success" },
    ]);
  });
});
