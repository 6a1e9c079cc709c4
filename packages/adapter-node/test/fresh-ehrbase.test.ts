/**
 * A worker's first run against a brand-new EHRbase (no EHR, no template), configured with no system
 * id: it uploads the shipped template itself and learns the server's system id from the first EHR it
 * creates, so every note is delivered with a uid in that server's name. Runs against a second,
 * empty EHRbase of its own (helpers/fresh-ehrbase.ts); the shared one always has EHRs and templates.
 */
import { randomUUID } from "node:crypto";
import { SOAP_TEMPLATE_ID } from "@ehr-sync/core";
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorker } from "../src/worker.js";
import { migratedDatabase, signNotes, type TestBed } from "./helpers/bed.js";
import { type FreshEhrbase, startFreshEhrbase } from "./helpers/fresh-ehrbase.js";

let bed: TestBed;
let fresh: FreshEhrbase;
let client: EhrbaseClient;

beforeAll(async () => {
  fresh = await startFreshEhrbase(`fresh-${randomUUID().slice(0, 8)}.ehrsync.test`);
  client = new EhrbaseClient({
    baseUrl: fresh.baseUrl,
    auth: { type: "basic", username: fresh.user, password: fresh.password },
  });
  bed = await migratedDatabase("ehrsync_fresh_ehrbase");
}, 300_000);
afterAll(async () => {
  await bed?.close();
  await fresh?.stop();
}, 60_000);

describe("a worker on an empty EHRbase, without a configured system id", () => {
  it("uploads the template, learns the system id from the first EHR, and delivers every note", async () => {
    // The server really is empty: no template, no EHR (so no system id to read).
    expect((await client.templates.list()).map((t) => t.template_id)).not.toContain(SOAP_TEMPLATE_ID);
    expect((await client.aql.query("SELECT e/ehr_id/value FROM EHR e")).rows).toEqual([]);

    // one note per patient: two first notes of one patient at once would race to create its EHR
    const noteIds = await signNotes(bed.pool, 4, 4);
    const worker = createWorker({
      connectionString: bed.url,
      // no systemId: it must be learnt
      ehrbase: { baseUrl: fresh.baseUrl, username: fresh.user, password: fresh.password, timeoutMs: 30_000 },
      concurrency: 2,
    });
    const summary = await worker.runOnce();
    expect(summary).toMatchObject({ succeeded: 4, dead: 0, paused: 0 });

    expect((await client.templates.list()).map((t) => t.template_id)).toContain(SOAP_TEMPLATE_ID);
    const rows = await bed.pool.query<{
      note_id: string;
      state: string;
      composition_uid: string;
      ehr_id: string;
    }>("select note_id, state, composition_uid, ehr_id::text from ehr_sync.queue order by id");
    expect(rows.rows.map((r) => r.note_id)).toEqual(noteIds);
    for (const row of rows.rows) {
      expect(row.state).toBe("succeeded");
      expect(row.composition_uid).toMatch(
        new RegExp(`^[0-9a-f-]{36}::${fresh.systemId.replaceAll(".", "\\.")}::1$`),
      );
      // stored on this server, under that uid
      const stored = await client.compositions.get(row.ehr_id, row.composition_uid.split("::")[0] as string);
      expect(stored, row.composition_uid).not.toBeNull();
    }
    const ehrs = await client.aql.query<[string]>("SELECT e/ehr_id/value FROM EHR e");
    expect(ehrs.rows).toHaveLength(4);
  }, 120_000);
});
