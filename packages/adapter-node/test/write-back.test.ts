/**
 * A delivery that reached EHRbase is recorded as delivered whatever happens to the app's status
 * row: an app rule that refuses the write-back, or a session holding the row locked, delays only
 * that row's status (retried on its own), never the job, its neighbours or other notes, and never
 * sends the note again.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Bed } from "@ehr-sync/testkit/bed";
import { describe, expect } from "vitest";
import { queueStatus } from "../src/store/queue-status.js";
import { createWorker } from "../src/worker.js";
import {
  compositionsByNoteId,
  ehrbaseOptions,
  ehrIdsOf,
  insertNotes,
  nodeBedTest,
  sampleNoteRow,
} from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_writeback", { requiresEhrbase: true });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(200);
  }
}

async function sendsOf(bed: Bed, noteId: string): Promise<string[]> {
  const r = await bed.pool.query<{ action: string }>(
    `select a.action from ehr_sync.attempts a join ehr_sync.queue q on q.id = a.job_id
      where q.note_id = $1 and a.action in ('create', 'update') order by a.id`,
    [noteId],
  );
  return r.rows.map((row) => row.action);
}

describe("status write-back", () => {
  it("completes a job whose write-back an app rule refuses, once, without holding back its neighbours", async ({
    bed,
    ehrbase,
  }) => {
    await bed.pool.query(`
      create function public.refuse_some_statuses() returns trigger language plpgsql as $$
      begin
        if new.ehr_sync_status = 'completed' and new.plan like 'REFUSED%' then
          raise exception 'app rule: plan % may not be marked completed', new.plan;
        end if;
        return new;
      end $$;
      create trigger app_refuses_some_statuses before update on public.soap_notes
        for each row execute function public.refuse_some_statuses();`);
    const patient = `pat-${randomUUID()}`;
    const rows = Array.from({ length: 8 }, (_, i) =>
      sampleNoteRow(patient, {
        plan: i === 3 ? "REFUSED by the app's own rule" : `Plan ${i}: rest and fluids.`,
      }),
    );
    const ids = await insertNotes(bed.pool, rows);
    const refused = ids[3] as string;

    const worker = createWorker({ databaseUrl: bed.url, ehrbase: ehrbaseOptions(), concurrency: 4 });
    const summary = await worker.runOnce();
    expect(summary).toMatchObject({ succeeded: 8, retried: 0, dead: 0, errors: 0 });

    const jobs = await bed.pool.query(
      `select note_id, state, composition_uid is not null as has_uid, writeback_pending, writeback_error
         from ehr_sync.queue order by id`,
    );
    expect(jobs.rows.every((j) => j.state === "succeeded" && j.has_uid)).toBe(true);
    const refusedJob = jobs.rows.find((j) => j.note_id === refused);
    expect(refusedJob).toMatchObject({
      writeback_pending: true,
      writeback_error: "write-back refused by the database: SQLSTATE P0001",
    });
    // PHI-free: the app's message quoted the plan; the stored reason does not.
    expect(JSON.stringify(jobs.rows)).not.toContain("REFUSED by");
    const notes = await bed.pool.query<{ id: string; ehr_sync_status: string }>(
      "select id::text, ehr_sync_status from public.soap_notes",
    );
    for (const note of notes.rows)
      expect(note.ehr_sync_status).toBe(note.id === refused ? "pending" : "completed");
    expect((await queueStatus(bed.pool)).writeBacks).toEqual({ pending: 1, refused: 1 });

    // Once the app lets it through, the status catches up; EHRbase never hears of the note again.
    await bed.pool.query("drop trigger app_refuses_some_statuses on public.soap_notes");
    await bed.pool.query("update ehr_sync.queue set writeback_next_at = now() where writeback_pending");
    await createWorker({ databaseUrl: bed.url, ehrbase: ehrbaseOptions() }).runOnce();
    const caught = await bed.pool.query("select ehr_sync_status from public.soap_notes where id = $1", [
      refused,
    ]);
    expect(caught.rows[0].ehr_sync_status).toBe("completed");
    expect(await sendsOf(bed, refused)).toEqual(["create"]);
    const found = await compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), ids);
    expect([...found.values()].map((uids) => uids.length)).toEqual(ids.map(() => 1));
  });

  it("keeps syncing other notes while the app holds one note row locked for 60 s, then completes it", async ({
    bed,
  }) => {
    await bed.pool.query("truncate ehr_sync.queue, ehr_sync.attempts, public.soap_notes");
    const [held] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const locker = await bed.pool.connect();
    const worker = createWorker({
      databaseUrl: bed.url,
      ehrbase: ehrbaseOptions(),
      concurrency: 4,
      pollIntervalMs: 500,
    });
    try {
      await locker.query("begin");
      await locker.query("select id from public.soap_notes where id = $1 for update", [held]);
      const lockedAt = Date.now();
      const others = await insertNotes(
        bed.pool,
        Array.from({ length: 30 }, () => sampleNoteRow(`pat-${randomUUID()}`)),
      );
      await worker.start();
      // Every other note is delivered and its row completed while the lock is still held (it is
      // released only after these waits).
      await until("the other notes' rows to complete", async () => {
        const r = await bed.pool.query(
          "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed' and id = any($1::uuid[])",
          [others],
        );
        return r.rows[0].n === others.length ? true : undefined;
      });
      const heldJob = await until("the held note's delivery", async () => {
        const r = await bed.pool.query(
          "select state, composition_uid, writeback_pending from ehr_sync.queue where note_id = $1",
          [held],
        );
        return r.rows[0]?.state === "succeeded" ? r.rows[0] : undefined;
      });
      expect(heldJob).toMatchObject({ writeback_pending: true });
      expect(heldJob.composition_uid).toMatch(/::1$/);
      // Hold the lock for the full minute, then let go.
      await sleep(Math.max(0, 60_000 - (Date.now() - lockedAt)));
      await locker.query("commit");
      const row = await until("the held note's row to complete", async () => {
        const r = await bed.pool.query(
          "select ehr_sync_status, ehr_composition_uid from public.soap_notes where id = $1",
          [held],
        );
        return r.rows[0]?.ehr_sync_status === "completed" ? r.rows[0] : undefined;
      });
      expect(row.ehr_composition_uid).toBe(heldJob.composition_uid);
      expect(await sendsOf(bed, held as string)).toEqual(["create"]);
    } finally {
      await locker.query("rollback");
      locker.release();
      await worker.stop();
    }
  }, 150_000);
});
