/**
 * Proves against the real EHRbase: a mapped note is accepted, keeps its deterministic uid, reads back
 * to the same note, is findable by AQL through its feeder-audit note id, a repeated create is refused
 * (412 "already exists") instead of duplicated, and an amendment (version 2) updates the same composition.
 */
import { ehrbaseTestConfig, requireEhrbase } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { compositionUuidFor } from "../src/mapping/composition-uid.js";
import { mapFlatToSoapNote, normalizeSoapNote } from "../src/mapping/flat-to-soap.js";
import { prepareSoapComposition } from "../src/mapping/soap-mapping.js";
import { SOAP_TEMPLATE_ID } from "../src/templates/soap-template.js";
import { Ehrbase } from "./helpers/ehrbase.js";
import { baseNote } from "./helpers/notes.js";

let ehrbase: Ehrbase;

beforeAll(async () => {
  ehrbase = new Ehrbase(await requireEhrbase(ehrbaseTestConfig()));
  await ehrbase.ensureSoapTemplate();
});

describe("SOAP note round trip through EHRbase", () => {
  it("commits with the deterministic uid and reads back to the same note", async () => {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const note = baseNote({
      encounter: {
        id: "enc-rt-1",
        start: "2026-03-02T11:30:00+02:00",
        end: "2026-03-02T11:50:00+02:00",
        kind: "video",
      },
      vitals: { ...baseNote().vitals, measuredAt: "2026-03-02T09:40:00Z" },
      diagnoses: [
        { system: "ICD-10", code: "J06.9", display: "Acute upper respiratory infection, unspecified" },
        { system: "SNOMED-CT", code: "54150009", display: "Upper respiratory infection" },
      ],
      subjective: "Multi-line\nstory with emoji 🤒 and עברית text.",
    });
    const prepared = prepareSoapComposition(note, { systemId });
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    expect(prepared.compositionUid).toBe(`${compositionUuidFor(note.noteId)}::${systemId}::1`);
    // the derivation itself is pinned: a fixed note id has a fixed uid on this server (literal uuid)
    const pinned = prepareSoapComposition({ ...note, noteId: "note-123" }, { systemId });
    expect(pinned.ok && pinned.compositionUid).toBe(`b9711b79-1065-56aa-bc84-3a5ee5a52763::${systemId}::1`);

    const created = await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, prepared.flat);
    expect(created.status).toBe(204);
    expect(created.headers.get("etag")).toBe(`"${prepared.compositionUid}"`);

    const back = await ehrbase.getFlat(ehrId, compositionUuidFor(note.noteId));
    expect(back["soap_note/_uid"]).toBe(prepared.compositionUid);
    expect(mapFlatToSoapNote(back)).toEqual(normalizeSoapNote(note));
  });

  it("finds the composition by the note id in feeder_audit with AQL", async () => {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const note = baseNote();
    const prepared = prepareSoapComposition(note, { systemId });
    if (!prepared.ok) throw new Error("note should be valid");
    expect((await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, prepared.flat)).status).toBe(204);

    const rows = await ehrbase.aql(
      "SELECT c/uid/value FROM EHR e[ehr_id/value=$ehrId] CONTAINS COMPOSITION c[openEHR-EHR-COMPOSITION.encounter.v1] " +
        "WHERE c/feeder_audit/originating_system_item_ids/id = $noteId",
      { ehrId, noteId: note.noteId },
    );
    expect(rows).toEqual([[prepared.compositionUid]]);
  });

  it("refuses a repeated create of the same note with 412 instead of duplicating it", async () => {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const prepared = prepareSoapComposition(baseNote(), { systemId });
    if (!prepared.ok) throw new Error("note should be valid");
    expect((await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, prepared.flat)).status).toBe(204);
    const again = await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, prepared.flat);
    expect(again.status).toBe(412);
    expect(again.body).toContain("already exists");
  });

  it("updates the same composition for an amendment (note version 2)", async () => {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const note = baseNote();
    const first = prepareSoapComposition(note, { systemId });
    if (!first.ok) throw new Error("note should be valid");
    expect((await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, first.flat)).status).toBe(204);

    const amended = { ...note, version: 2, plan: `${note.plan}\nAddendum: follow-up video call in 3 days.` };
    const second = prepareSoapComposition(amended, { systemId });
    if (!second.ok) throw new Error("amendment should be valid");
    expect(second.compositionUid).toBe(first.compositionUid);
    const uuid = compositionUuidFor(note.noteId);
    const updated = await ehrbase.putFlat(ehrId, uuid, first.compositionUid, SOAP_TEMPLATE_ID, second.flat);
    expect(updated.status).toBe(204);
    expect(updated.headers.get("etag")).toBe(`"${uuid}::${systemId}::2"`);
    expect(mapFlatToSoapNote(await ehrbase.getFlat(ehrId, uuid))).toEqual(normalizeSoapNote(amended));
  });
});
