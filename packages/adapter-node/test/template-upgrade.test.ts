/**
 * A note delivered under an earlier shipped template (ehr_sync.soap_note.v1) and amended after the
 * upgrade (v2) becomes a new version of the same composition in its own template: EHRbase does not
 * move a composition to another template, so an amendment sent in v2 would be refused.
 */
import { randomUUID } from "node:crypto";
import { prepareSoapComposition, SOAP_TEMPLATE_ID, soapNoteFromRow } from "@ehr-sync/core";
import { SOAP_TEMPLATE_OPT } from "@ehr-sync/core/template";
import type { Composition, EhrbaseClient, FlatComposition } from "@ehr-sync/ehrbase-client";
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

const PREVIOUS_TEMPLATE_ID = "ehr_sync.soap_note.v1";
let bed: TestBed;
let ehrbase: EhrbaseClient;

beforeAll(async () => {
  ehrbase = await ehrbaseClient();
  bed = await migratedDatabase("ehrsync_template_upgrade");
  // The previous release's template, where the bed's EHRbase does not have it already (same archetypes
  // and paths under the previous id).
  await ehrbase.templates.ensure(SOAP_TEMPLATE_OPT.replaceAll(SOAP_TEMPLATE_ID, PREVIOUS_TEMPLATE_ID));
});
afterAll(async () => {
  await bed?.close();
});

describe("an amendment after a template upgrade", () => {
  it("keeps the composition's own template", async () => {
    expect(SOAP_TEMPLATE_ID).not.toBe(PREVIOUS_TEMPLATE_ID);
    const row = sampleNoteRow(`pat-${randomUUID()}`, { plan: "Plan as first signed." });
    await insertNotes(bed.pool, [row]);
    // Delivered by the previous release: the same FLAT, committed under the previous template id.
    const queued = await bed.pool.query("select payload from ehr_sync.queue where note_id = $1", [row.id]);
    const note = soapNoteFromRow(queued.rows[0].payload) as { patient: { id: string; namespace: string } };
    const { ehrId } = await ehrbase.ehrs.ensure(note.patient);
    const prepared = prepareSoapComposition(note, { systemId: await ehrbase.systemId() });
    if (!prepared.ok) throw new Error(`test note invalid: ${JSON.stringify(prepared.errors)}`);
    const created = await ehrbase.compositions.create(ehrId, prepared.flat as FlatComposition, {
      format: "FLAT",
      templateId: PREVIOUS_TEMPLATE_ID,
      uid: prepared.compositionUid,
    });
    await bed.pool.query(
      "update ehr_sync.queue set state = 'succeeded', completed_at = now() where note_id = $1",
      [row.id],
    );

    await bed.pool.query(
      "update public.soap_notes set version = 2, plan = 'Plan as amended.' where id = $1",
      [row.id],
    );
    const summary = await createWorker({ databaseUrl: bed.url, ehrbase: ehrbaseOptions() }).runOnce();
    expect(summary).toMatchObject({ succeeded: 1, dead: 0 });

    const uuid = created.versionUid.uuid;
    const stored = await ehrbase.compositions.get<Composition>(ehrId, uuid, { format: "JSON" });
    if (!stored || stored.deleted) throw new Error("composition not found");
    expect(stored.versionUid.version).toBe(2);
    expect(stored.composition.archetype_details?.template_id?.value).toBe(PREVIOUS_TEMPLATE_ID);
    expect(JSON.stringify(stored.composition)).toContain("Plan as amended.");
  });
});
