/**
 * Right patient, right note, against the real EHRbase: the patient is the EHR subject (namespace + id),
 * only what the app really wrote is queued, and two app tables whose note ids overlap never share a
 * job or a composition.
 */
import { randomUUID } from "node:crypto";
import { SOAP_TEMPLATE_ID } from "@ehr-sync/core";
import type { EhrbaseClient, FlatComposition } from "@ehr-sync/ehrbase-client";
import type { Bed } from "@ehr-sync/testkit/bed";
import { describe, expect } from "vitest";
import { createWorker } from "../src/worker.js";
import {
  compositionsByNoteId,
  ehrbaseOptions,
  insertNotes,
  nodeBedTest,
  sampleNoteRow,
} from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_identity", { requiresEhrbase: true });

async function drain(bed: Bed) {
  const worker = createWorker({ databaseUrl: bed.url, ehrbase: ehrbaseOptions(), concurrency: 2 });
  return worker.runOnce();
}

async function ehrOf(ehrbase: EhrbaseClient, id: string, namespace: string): Promise<string> {
  const ehr = await ehrbase.ehrs.getBySubject({ id, namespace });
  if (!ehr) throw new Error(`no EHR in EHRbase for the subject in namespace ${namespace}`);
  return ehr.ehr_id.value;
}

describe("patient identity", () => {
  it("gives the same patient id in two namespaces two EHRs, each note in its own namespace's EHR", async ({
    bed,
    ehrbase,
  }) => {
    const patientId = `pat-${randomUUID()}`;
    // Clinic A's patient is synced first, so their EHR is known (and was cached) before clinic B signs.
    const [noteA] = await insertNotes(bed.pool, [
      sampleNoteRow(patientId, { patient_namespace: "clinic-a" }),
    ]);
    expect((await drain(bed)).succeeded).toBe(1);
    const [noteB] = await insertNotes(bed.pool, [
      sampleNoteRow(patientId, { patient_namespace: "clinic-b" }),
    ]);
    expect((await drain(bed)).succeeded).toBe(1);

    const ehrA = await ehrOf(ehrbase, patientId, "clinic-a");
    const ehrB = await ehrOf(ehrbase, patientId, "clinic-b");
    expect(ehrB).not.toBe(ehrA);
    const inA = await compositionsByNoteId(ehrbase, [ehrA], [noteA as string, noteB as string]);
    const inB = await compositionsByNoteId(ehrbase, [ehrB], [noteA as string, noteB as string]);
    expect([...inA.keys()]).toEqual([noteA]);
    expect([...inB.keys()]).toEqual([noteB]);
    const jobs = await bed.pool.query<{ patient_key: string; ehr_id: string }>(
      "select patient_key, ehr_id::text from ehr_sync.queue order by id",
    );
    expect(jobs.rows).toEqual([
      { patient_key: `clinic-a|${patientId}`, ehr_id: ehrA },
      { patient_key: `clinic-b|${patientId}`, ehr_id: ehrB },
    ]);
  });

  it("takes the namespace from a constant when the table has no namespace column", async ({
    bed,
    ehrbase,
  }) => {
    await bed.pool.query(
      `create table public.clinic_c_notes (like public.soap_notes including defaults including constraints)`,
    );
    await bed.pool.query("alter table public.clinic_c_notes drop column patient_namespace");
    await bed.pool.query(
      "select ehr_sync.attach_note_trigger('public.clinic_c_notes', 'patient_id', null, 'clinic-c')",
    );
    const patientId = `pat-${randomUUID()}`;
    const { patient_namespace: _, ...row } = sampleNoteRow(patientId);
    const columns = Object.keys(row);
    await bed.pool.query(
      `insert into public.clinic_c_notes (${columns.join(", ")}) values (${columns.map((_c, i) => `$${i + 1}`).join(", ")})`,
      Object.values(row),
    );
    expect((await drain(bed)).succeeded).toBe(1);
    const ehrC = await ehrOf(ehrbase, patientId, "clinic-c");
    const found = await compositionsByNoteId(ehrbase, [ehrC], [row.id as string]);
    expect([...found.keys()]).toEqual([row.id]);
  });
});

describe("only what was written is queued", () => {
  it("queues nothing for an INSERT … ON CONFLICT DO NOTHING that reuses a note's id, and leaves its composition", async ({
    bed,
    ehrbase,
  }) => {
    const patientId = `pat-${randomUUID()}`;
    const original = sampleNoteRow(patientId, { subjective: "Original history as the provider signed it." });
    await insertNotes(bed.pool, [original]);
    expect((await drain(bed)).succeeded).toBe(1);
    const before = await bed.pool.query("select count(*)::int as n from ehr_sync.queue");

    // What PostgREST does with Prefer: resolution=ignore-duplicates: same id, other content, version 2.
    const intruder = sampleNoteRow(`pat-${randomUUID()}`, {
      id: original.id,
      version: 2,
      subjective: "Content of another patient that must not reach this composition.",
    });
    const columns = Object.keys(intruder);
    const written = await bed.pool.query(
      `insert into public.soap_notes (${columns.join(", ")}) values (${columns.map((_c, i) => `$${i + 1}`).join(", ")})
       on conflict (id) do nothing`,
      Object.values(intruder),
    );
    expect(written.rowCount).toBe(0);
    const after = await bed.pool.query("select count(*)::int as n from ehr_sync.queue");
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await drain(bed)).succeeded).toBe(0);

    const ehr = await ehrOf(ehrbase, patientId, "ehr_sync_node_test");
    const uid = (
      await bed.pool.query("select ehr_composition_uid from public.soap_notes where id = $1", [original.id])
    ).rows[0].ehr_composition_uid as string;
    const stored = await ehrbase.compositions.get<FlatComposition>(ehr, uid.split("::")[0] as string, {
      format: "FLAT",
      templateId: SOAP_TEMPLATE_ID,
    });
    expect(stored && !stored.deleted ? stored.versionUid.value : undefined).toBe(uid);
    const texts = stored && !stored.deleted ? Object.values(stored.composition) : [];
    expect(texts).toContain("Original history as the provider signed it.");
    expect(texts).not.toContain("Content of another patient that must not reach this composition.");
  });

  it("delivers every note of two attached tables whose note ids overlap", async ({ bed, ehrbase }) => {
    await bed.pool.query(
      "create table public.soap_notes_clinic_b (like public.soap_notes including defaults including constraints)",
    );
    await bed.pool.query("select ehr_sync.attach_note_trigger('public.soap_notes_clinic_b', 'patient_id')");
    const patientA = `pat-${randomUUID()}`;
    const patientB = `pat-${randomUUID()}`;
    const first = sampleNoteRow(patientA, { subjective: "Table one: knee pain after a fall." });
    const second = sampleNoteRow(patientB, { id: first.id, subjective: "Table two: seasonal allergies." });
    await insertNotes(bed.pool, [first]);
    const columns = Object.keys(second);
    await bed.pool.query(
      `insert into public.soap_notes_clinic_b (${columns.join(", ")}) values (${columns.map((_c, i) => `$${i + 1}`).join(", ")})`,
      Object.values(second),
    );
    expect((await drain(bed)).succeeded).toBe(2);

    const found = await Promise.all(
      [patientA, patientB].map(async (p) => {
        const ehr = await ehrOf(ehrbase, p, "ehr_sync_node_test");
        const result = await ehrbase.aql.query<[string]>(
          "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c[openEHR-EHR-COMPOSITION.encounter.v1] " +
            `WHERE e/ehr_id/value = '${ehr}'`,
        );
        return result.rows.map(([uid]) => uid.split("::")[0]);
      }),
    );
    expect(found.map((uids) => uids.length)).toEqual([1, 1]);
    expect(found[0]?.[0]).not.toBe(found[1]?.[0]);
    const rows = await bed.pool.query(
      `select 'one' as t, ehr_sync_status from public.soap_notes where id = $1
       union all select 'two', ehr_sync_status from public.soap_notes_clinic_b where id = $1 order by 1`,
      [first.id],
    );
    expect(rows.rows).toEqual([
      { t: "one", ehr_sync_status: "completed" },
      { t: "two", ehr_sync_status: "completed" },
    ]);
  });
});
