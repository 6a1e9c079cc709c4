/**
 * A template EHRbase does not have (never uploaded, or removed) is the destination's fault, not the
 * notes': the destination pauses and no attempt is spent, instead of every note going dead. Checked
 * against the real EHRbase with a template id it has never seen (it answers 400 "Could not retrieve
 * template for template Id: …").
 */
import { randomUUID } from "node:crypto";
import { createSoapMapping, SOAP_WEB_TEMPLATE, soapNoteFromRow } from "@ehr-sync/core";
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, nodeBedTest, signNotes } from "./helpers/bed.js";
import { EHRBASE_SYSTEM_ID } from "./helpers/system-id.js";

const it = nodeBedTest("ehrsync_missing_template", { requiresEhrbase: true });

describe("a template EHRbase does not have", () => {
  it("pauses the destination without spending attempts; no note goes dead", async ({ bed }) => {
    const templateId = `ehr_sync.never_uploaded_${randomUUID().slice(0, 8)}.v1`;
    await signNotes(bed.pool, 3, 3);
    const worker = createWorker({
      connectionString: bed.url,
      ehrbase: { ...ehrbaseOptions(), systemId: EHRBASE_SYSTEM_ID },
      mapping: createSoapMapping({ templateId, webTemplate: { ...SOAP_WEB_TEMPLATE, templateId } }),
      toInput: soapNoteFromRow,
      concurrency: 1,
    });
    const summary = await worker.runOnce();
    expect(summary).toMatchObject({ succeeded: 0, dead: 0 });
    expect(summary.paused).toBeGreaterThanOrEqual(1);

    const jobs = await bed.pool.query<{ state: string; attempts: number }>(
      "select state, attempts from ehr_sync.queue order by id",
    );
    expect(jobs.rows).toEqual([
      { state: "pending", attempts: 0 },
      { state: "pending", attempts: 0 },
      { state: "pending", attempts: 0 },
    ]);
    const destination = await bed.pool.query<{ pause_reason: string; paused: boolean }>(
      "select pause_reason, paused_until > now() as paused from ehr_sync.destination where id = 'default'",
    );
    expect(destination.rows[0]).toEqual({ pause_reason: "missing-template", paused: true });
    const attempts = await bed.pool.query<{ http_status: number; error_class: string }>(
      "select http_status, error_class from ehr_sync.attempts where action = 'create'",
    );
    expect(attempts.rows.length).toBeGreaterThanOrEqual(1);
    for (const row of attempts.rows)
      expect(row).toEqual({ http_status: 400, error_class: "missing-template" });
  });
});
