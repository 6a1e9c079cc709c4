/**
 * Proves the bring-your-own-template API end to end: a user's record type, validator and mapping onto
 * another template (RIPPLE - Clinical Notes.v1, from the shared Apache-2.0 fixtures) get the same uid
 * rule and FLAT validation, commit to the real EHRbase, and invalid input is refused with field errors.
 */
import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig, fixturesPresent, readFixture, requireEhrbase } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { compositionUidFor } from "../src/mapping/composition-uid.js";
import { type CustomMapping, defineCustomMapping } from "../src/mapping/custom-mapping.js";
import type { WebTemplate } from "../src/openehr/web-template.js";
import type { ValidationResult } from "../src/soap/note.js";
import { Ehrbase } from "./helpers/ehrbase.js";

interface NursingNote {
  id: string;
  patientId: string;
  author: string;
  text: string;
  writtenAt: string;
}

const TEMPLATE_ID = "RIPPLE - Clinical Notes.v1";
let ehrbase: Ehrbase;
let mapping: CustomMapping<NursingNote>;

function validateNursingNote(input: unknown): ValidationResult<NursingNote> {
  const note = input as Partial<NursingNote>;
  const errors = (["id", "patientId", "author", "text", "writtenAt"] as const)
    .filter((key) => typeof note?.[key] !== "string" || note[key]?.trim() === "")
    .map((field) => ({ field, message: "is required" }));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, note: note as NursingNote };
}

// Needs the fixture corpus (../shared/fixtures); without it the tests below are skipped and counted.
beforeAll(async () => {
  if (!fixturesPresent()) return;
  ehrbase = new Ehrbase(await requireEhrbase(ehrbaseTestConfig()));
  await ehrbase.uploadTemplate(await readFixture("templates", "RIPPLE - Clinical Notes.v1.opt"));
  mapping = defineCustomMapping<NursingNote>({
    templateId: TEMPLATE_ID,
    webTemplate: (await ehrbase.webTemplate(TEMPLATE_ID)) as WebTemplate,
    sourceId: (note) => `nursing:${note.id}`,
    ehrSubject: (note) => ({ id: note.patientId, namespace: "ward_app" }),
    validate: validateNursingNote,
    map: (note, { rootId }) => ({
      "ctx/language": "en",
      "ctx/territory": "GB",
      "ctx/time": note.writtenAt,
      "ctx/composer_name": note.author,
      [`${rootId}/clinical_synopsis:0/notes`]: note.text,
    }),
  });
});

describe.runIf(fixturesPresent())("defineCustomMapping", () => {
  it("maps, assigns the deterministic uid and commits to EHRbase", async () => {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const note = {
      id: `n-${randomUUID()}`,
      patientId: "p-9",
      author: "Nurse Kim",
      text: "Slept well.",
      writtenAt: "2026-03-01T06:00:00Z",
    };
    const prepared = mapping.prepare(note, { systemId });
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    expect(prepared.compositionUid).toBe(compositionUidFor(`nursing:${note.id}`, systemId));
    expect(prepared.flat["clinical_notes/_uid"]).toBe(prepared.compositionUid);
    expect(prepared.ehrSubject).toEqual({ id: "p-9", namespace: "ward_app" });
    const created = await ehrbase.postFlat(ehrId, TEMPLATE_ID, prepared.flat);
    expect(created.status, created.body).toBe(204);
    const back = await ehrbase.getFlat(ehrId, prepared.compositionUid);
    expect(back["clinical_notes/clinical_synopsis:0/notes"]).toBe("Slept well.");
  });

  it("refuses invalid input with the user's field errors", () => {
    const prepared = mapping.prepare({ id: "n-1", author: "x" }, { systemId: "local.ehrbase.org" });
    expect(prepared).toEqual({
      ok: false,
      errors: [
        { field: "patientId", message: "is required" },
        { field: "text", message: "is required" },
        { field: "writtenAt", message: "is required" },
      ],
    });
  });

  it("refuses text with U+0000 (EHRbase cannot store it), naming the FLAT path, not quoting it", () => {
    const prepared = mapping.prepare(
      {
        id: "n-nul",
        patientId: "p",
        author: "a",
        text: "Slept\u0000 well.",
        writtenAt: "2026-03-01T06:00:00Z",
      },
      { systemId: "local.ehrbase.org" },
    );
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.errors.map((e) => e.field)).toEqual(["clinical_notes/clinical_synopsis:0/notes"]);
    for (const error of prepared.errors) expect(error.message).not.toContain("Slept");
  });

  describe("the composition uid (`<root>/_uid`)", () => {
    const note = { id: "n-uid", patientId: "p", author: "a", text: "t", writtenAt: "2026-03-01T06:00:00Z" };
    const systemId = "local.ehrbase.org";
    const withOwnUid = (uid: string) =>
      defineCustomMapping<NursingNote>({
        templateId: mapping.templateId,
        webTemplate: mapping.webTemplate,
        sourceId: (n) => n.id,
        ehrSubject: (n) => ({ id: n.patientId, namespace: "ward_app" }),
        map: (n, { rootId }) => ({
          "ctx/language": "en",
          "ctx/territory": "GB",
          "ctx/time": n.writtenAt,
          "ctx/composer_name": n.author,
          [`${rootId}/clinical_synopsis:0/notes`]: n.text,
          [`${rootId}/_uid`]: uid,
        }),
      });

    it("is set from the source id when the map leaves it out (pinned: UUIDv5 of `nursing:n-uid`)", () => {
      const prepared = mapping.prepare(note, { systemId });
      expect(prepared.ok && prepared.flat["clinical_notes/_uid"]).toBe(
        "73e29ad1-51d1-508c-9600-c8e6a22f5234::local.ehrbase.org::1",
      );
    });

    it("keeps the uid the map sets itself", () => {
      const own = "11111111-2222-5333-8444-555555555555::local.ehrbase.org::1";
      const prepared = withOwnUid(own).prepare(note, { systemId });
      expect(prepared.ok && prepared.flat["clinical_notes/_uid"]).toBe(own);
    });

    it("overrides the map's uid with the scoped one when a uidScope is given", () => {
      const own = "11111111-2222-5333-8444-555555555555::local.ehrbase.org::1";
      const prepared = withOwnUid(own).prepare(note, { systemId, uidScope: "public.nursing_notes" });
      expect(prepared.ok).toBe(true);
      if (!prepared.ok) return;
      expect(prepared.compositionUid).toBe(compositionUidFor("public.nursing_notes:n-uid", systemId));
      expect(prepared.flat["clinical_notes/_uid"]).toBe(prepared.compositionUid);
    });
  });

  it("refuses a mapping result the template does not allow, naming the FLAT path", () => {
    const broken = defineCustomMapping<NursingNote>({
      templateId: mapping.templateId,
      webTemplate: mapping.webTemplate,
      sourceId: (note) => note.id,
      ehrSubject: (note) => ({ id: note.patientId, namespace: "ward_app" }),
      map: (note) => ({
        "ctx/composer_name": note.author,
        "ctx/territory": "GB",
        "clinical_notes/clinical_synopsis:0/note": note.text,
      }),
    });
    const prepared = broken.prepare(
      { id: "n-2", patientId: "p", author: "a", text: "t", writtenAt: "2026-03-01T06:00:00Z" },
      { systemId: "local.ehrbase.org" },
    );
    expect(prepared.ok).toBe(false);
    if (!prepared.ok)
      expect(prepared.errors.map((e) => e.field)).toContain("clinical_notes/clinical_synopsis:0/note");
  });
});
