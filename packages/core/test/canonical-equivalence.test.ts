/**
 * Proves against the real EHRbase that the canonical JSON built by the FLAT → canonical converter is
 * what EHRbase's own FLAT unmarshaller makes of the same input: for every accepted corpus note, every
 * fixture FLAT composition (with its template) and custom mappings, the FLAT is POSTed to one EHR and
 * our canonical JSON to another; the canonical JSON EHRbase stored for the FLAT must equal our
 * conversion exactly, and both commits must read back as the same FLAT once the composition uid
 * (fresh per commit) is removed. A fast-check property runs the same comparison over generated notes.
 */
import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig, fixturesPresent, readFixture, requireEhrbase } from "@ehr-sync/testkit";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { defineCustomMapping } from "../src/mapping/custom-mapping.js";
import { prepareSoapComposition } from "../src/mapping/soap-mapping.js";
import { mapSoapNoteToFlat } from "../src/mapping/soap-to-flat.js";
import { type CanonicalConverter, compileCanonicalConverter } from "../src/openehr/flat-to-canonical.js";
import type { WebTemplate } from "../src/openehr/web-template.js";
import type { SoapNote } from "../src/soap/note.js";
import { SOAP_CANONICAL_NAMES } from "../src/templates/soap-canonical-names.js";
import { SOAP_TEMPLATE_ID } from "../src/templates/soap-template.js";
import { SOAP_WEB_TEMPLATE } from "../src/templates/soap-web-template.js";
import { CORPUS } from "./corpus/notes.js";
import { Ehrbase } from "./helpers/ehrbase.js";
import { baseNote } from "./helpers/notes.js";

type Flat = Record<string, unknown>;

let ehrbase: Ehrbase;
let systemId: string;
// The names shipped with core (no OPT needed at run time); the unit tests pin them to the OPT.
const soapConverter = compileCanonicalConverter(SOAP_WEB_TEMPLATE, { names: SOAP_CANONICAL_NAMES });

beforeAll(async () => {
  ehrbase = new Ehrbase(await requireEhrbase(ehrbaseTestConfig()));
  await ehrbase.ensureSoapTemplate();
  systemId = (await ehrbase.createEhr()).systemId;
});

/** A fresh uid: the same uid cannot be created twice on one server, even in two EHRs. */
function withFreshUid(flat: Flat, rootId: string): Flat {
  const copy = { ...flat };
  copy[`${rootId}/_uid`] = `${randomUUID()}::${systemId}::1`;
  return copy;
}

/** Read-back FLAT without what EHRbase fills per commit. */
function normalise(flat: Flat, rootId: string): Flat {
  const { [`${rootId}/_uid`]: _uid, ...rest } = flat;
  return rest;
}

/** POSTs the FLAT and the canonical JSON to two EHRs; returns both read back as FLAT. */
async function commitBothWays(
  templateId: string,
  rootId: string,
  flat: Flat,
  convert: CanonicalConverter,
): Promise<{ viaFlat: Flat; viaCanonical: Flat }> {
  const flatInput = withFreshUid(flat, rootId);
  const canonicalInput = withFreshUid(flat, rootId);
  const canonical = convert(canonicalInput);

  const first = await ehrbase.createEhr();
  const postedFlat = await ehrbase.postFlat(first.ehrId, templateId, flatInput);
  expect(postedFlat.status, postedFlat.body).toBe(204);

  const second = await ehrbase.createEhr();
  const postedCanonical = await ehrbase.request("POST", `/ehr/${second.ehrId}/composition`, {
    body: JSON.stringify(canonical),
    headers: { "content-type": "application/json", prefer: "return=minimal" },
  });
  expect(postedCanonical.status, postedCanonical.body).toBe(204);
  expect(postedCanonical.headers.get("etag")).toBe(`"${canonicalInput[`${rootId}/_uid`]}"`);

  // Stronger than the FLAT read-back: the canonical JSON EHRbase stored for the FLAT is ours, exactly.
  const stored = await ehrbase.request(
    "GET",
    `/ehr/${first.ehrId}/composition/${flatInput[`${rootId}/_uid`]}`,
    {
      headers: { accept: "application/json" },
    },
  );
  expect(stored.status).toBe(200);
  expect(convert(flatInput)).toEqual(JSON.parse(stored.body));

  const viaFlat = await ehrbase.getFlat(first.ehrId, String(flatInput[`${rootId}/_uid`]));
  const viaCanonical = await ehrbase.getFlat(second.ehrId, String(canonicalInput[`${rootId}/_uid`]));
  return { viaFlat: normalise(viaFlat, rootId), viaCanonical: normalise(viaCanonical, rootId) };
}

function soapFlat(note: unknown): Flat {
  const prepared = prepareSoapComposition(note, { systemId });
  if (!prepared.ok)
    throw new Error(`note should be valid: ${prepared.errors.map((e) => e.field).join(", ")}`);
  return prepared.flat;
}

describe("canonical JSON equals EHRbase's own FLAT conversion", () => {
  const accepted = CORPUS.filter((c) => c.rejects === undefined);

  it(`for every accepted corpus note (${accepted.length}) with the shipped SOAP template`, async () => {
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    for (const corpusCase of accepted) {
      const { viaFlat, viaCanonical } = await commitBothWays(
        SOAP_TEMPLATE_ID,
        "soap_note",
        soapFlat(corpusCase.input),
        soapConverter,
      );
      expect(viaCanonical, corpusCase.name).toEqual(viaFlat);
    }
  });

  it("keeps the idempotency rules: deterministic uid, 412 on a repeated create, PUT with If-Match for an amendment", async () => {
    const { ehrId } = await ehrbase.createEhr();
    const note = baseNote();
    const first = prepareSoapComposition(note, { systemId });
    if (!first.ok) throw new Error("note should be valid");
    const post = () =>
      ehrbase.request("POST", `/ehr/${ehrId}/composition`, {
        body: JSON.stringify(soapConverter(first.flat)),
        headers: { "content-type": "application/json", prefer: "return=minimal" },
      });
    const created = await post();
    expect(created.status, created.body).toBe(204);
    expect(created.headers.get("etag")).toBe(`"${first.compositionUid}"`);
    const repeated = await post();
    expect(repeated.status).toBe(412);
    expect(repeated.body).toContain("already exists");

    const amended = prepareSoapComposition({ ...note, version: 2, plan: "Amended plan." }, { systemId });
    if (!amended.ok) throw new Error("amendment should be valid");
    const uuid = first.compositionUid.split("::")[0] as string;
    const put = await ehrbase.request("PUT", `/ehr/${ehrId}/composition/${uuid}`, {
      body: JSON.stringify(soapConverter(amended.flat)),
      headers: {
        "content-type": "application/json",
        "if-match": first.compositionUid,
        prefer: "return=minimal",
      },
    });
    expect(put.status, put.body).toBe(204);
    expect(put.headers.get("etag")).toBe(`"${uuid}::${systemId}::2"`);
    const back = await ehrbase.getFlat(ehrId, uuid);
    expect(back["soap_note/plan/clinical_synopsis/synopsis"]).toBe("Amended plan.");
    expect(back["soap_note/_feeder_audit/originating_system_audit|version_id"]).toBe("2");
  });

  it("for a custom mapping onto the SOAP template using more of its nodes and ctx defaults", async () => {
    const mapping = defineCustomMapping<SoapNote>({
      templateId: SOAP_TEMPLATE_ID,
      webTemplate: SOAP_WEB_TEMPLATE,
      sourceId: (note) => note.noteId,
      ehrSubject: (note) => note.patient,
      validate: (input) => ({ ok: true, note: input as SoapNote }),
      map: (note, { systemId: system }) => {
        const flat = mapSoapNoteToFlat(note, { systemId: system }).flat;
        const diagnosis = "soap_note/assessment/problem_diagnosis:0";
        return {
          ...flat,
          "ctx/setting": "228",
          "ctx/history_origin": "2026-03-02T09:00:00Z",
          "soap_note/objective/blood_pressure/any_event:1/systolic|magnitude": 131,
          "soap_note/objective/blood_pressure/any_event:1/systolic|unit": "mm[Hg]",
          "soap_note/objective/blood_pressure/any_event:1/time": "2026-03-02T09:45:00Z",
          "soap_note/objective/pulse_heart_beat/any_event:0/heart_rate|magnitude": 77,
          "soap_note/objective/pulse_heart_beat/any_event:0/heart_rate|unit": "/min",
          [`${diagnosis}/clinical_description`]: "Onset after a cold.",
          [`${diagnosis}/body_site:0`]: "Pharynx",
          [`${diagnosis}/body_site:1`]: "Larynx",
          [`${diagnosis}/date_time_of_onset`]: "2026-02-27T08:00:00Z",
          [`${diagnosis}/diagnostic_certainty|code`]: "at0076",
          [`${diagnosis}/diagnostic_certainty|value`]: "Suspected",
          [`${diagnosis}/diagnostic_certainty|terminology`]: "local",
          [`${diagnosis}/_uid`]: randomUUID(),
          "soap_note/assessment/problem_diagnosis:1/problem_diagnosis_name|code": "R05",
          "soap_note/assessment/problem_diagnosis:1/problem_diagnosis_name|value": "Cough",
          "soap_note/assessment/problem_diagnosis:1/problem_diagnosis_name|terminology": "ICD10",
          "soap_note/assessment/problem_diagnosis:1/_feeder_audit/originating_system_audit|system_id": "lab",
          "soap_note/assessment/problem_diagnosis:1/_feeder_audit/feeder_system_item_id:0|id": "dx-2",
          "soap_note/context/_location": "Room 4",
          "soap_note/_name|value": "SOAP note (video)",
        };
      },
    });
    const prepared = mapping.prepare(baseNote(), { systemId });
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
    const { viaFlat, viaCanonical } = await commitBothWays(
      SOAP_TEMPLATE_ID,
      "soap_note",
      prepared.flat,
      soapConverter,
    );
    expect(viaFlat["soap_note/assessment/problem_diagnosis:0/body_site:1"]).toBe("Larynx");
    expect(viaCanonical).toEqual(viaFlat);
  });

  it("for generated notes (fast-check property, a sample)", async () => {
    const text = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /\S/.test(s));
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const note = fc.record({
      subjective: text,
      objective: text,
      assessment: optional(text),
      language: fc.constantFrom("en", "de", "fr", "ar", "pt-br"),
      territory: fc.constantFrom("US", "DE", "IN", "BR"),
      diagnoses: fc.array(
        fc.oneof(
          fc.record({
            system: fc.constant("ICD-10" as const),
            code: fc.stringMatching(/^[A-Z][0-9]{2}(\.[0-9])?$/),
            display: text,
          }),
          fc.record({
            system: fc.constant("SNOMED-CT" as const),
            code: fc.constantFrom("54150009", "84229001", "38341003", "195967001"), // real ids: check digit
            display: text,
          }),
        ),
        { maxLength: 3 },
      ),
      pulse: optional(fc.integer({ min: 30, max: 200 })),
      temperature: optional(fc.integer({ min: 340, max: 420 }).map((t) => t / 10)),
      facility: fc.boolean(),
    });
    let compared = 0;
    const refused: string[] = [];
    await fc.assert(
      fc.asyncProperty(note, async (generated) => {
        const base = baseNote({
          subjective: generated.subjective,
          objective: generated.objective,
          assessment: generated.assessment ?? "",
          language: generated.language,
          territory: generated.territory,
          diagnoses: generated.diagnoses,
          vitals: {
            pulse: generated.pulse === undefined ? undefined : { value: generated.pulse, unit: "/min" },
            temperature:
              generated.temperature === undefined ? undefined : { value: generated.temperature, unit: "Cel" },
          },
        });
        if (!generated.facility) delete base.facility;
        const prepared = prepareSoapComposition(base, { systemId });
        if (!prepared.ok) {
          refused.push(prepared.errors.map((e) => e.field).join(","));
          return; // the client refusing a generated note is corpus.test.ts's concern, not this one's
        }
        compared++;
        const { viaFlat, viaCanonical } = await commitBothWays(
          SOAP_TEMPLATE_ID,
          "soap_note",
          prepared.flat,
          soapConverter,
        );
        expect(viaCanonical).toEqual(viaFlat);
      }),
      { numRuns: 12 },
    );
    // the property must mostly compare real commits, not pass by refusing its input
    expect(compared, `refused: ${refused.join(" | ")}`).toBeGreaterThanOrEqual(10);
  });
});

const FIXTURES = [
  { flat: "ehrn_vital_signs.v2__.json", opt: "ehrn_vital_signs.v2.opt", templateId: "ehrn_vital_signs.v2" },
  { flat: "corona.json", opt: "corona_anamnese.opt", templateId: "Corona_Anamnese" },
  { flat: "corona_with_feeder_audit.json", opt: "corona_anamnese.opt", templateId: "Corona_Anamnese" },
  {
    flat: "RIPPLE - Clinical Notes 1.json",
    opt: "RIPPLE - Clinical Notes.v1.opt",
    templateId: "RIPPLE - Clinical Notes.v1",
  },
  {
    flat: "clinical_notes_1.json",
    opt: "RIPPLE - Clinical Notes.v1.opt",
    templateId: "RIPPLE - Clinical Notes.v1",
  },
];

describe.runIf(fixturesPresent())(
  "canonical JSON equals EHRbase's FLAT conversion for the fixture templates",
  () => {
    const converters = new Map<string, { convert: CanonicalConverter; rootId: string }>();

    beforeAll(async () => {
      for (const fixture of FIXTURES) {
        if (converters.has(fixture.templateId)) continue;
        const opt = await readFixture("templates", fixture.opt);
        await ehrbase.uploadTemplate(opt);
        const webTemplate = (await ehrbase.webTemplate(fixture.templateId)) as WebTemplate;
        converters.set(fixture.templateId, {
          convert: compileCanonicalConverter(webTemplate, { opt }),
          rootId: webTemplate.tree.id,
        });
      }
    });

    for (const fixture of FIXTURES) {
      it(`${fixture.flat} (${fixture.templateId})`, async () => {
        const flat = JSON.parse(await readFixture("flat", fixture.flat)) as Flat;
        const { convert, rootId } = converters.get(fixture.templateId) as {
          convert: CanonicalConverter;
          rootId: string;
        };
        const { viaFlat, viaCanonical } = await commitBothWays(fixture.templateId, rootId, flat, convert);
        expect(Object.keys(viaFlat).length).toBeGreaterThan(10);
        expect(viaCanonical).toEqual(viaFlat);
      });
    }

    it("for a DV_COUNT and an entry added to corona.json (Corona_Anamnese)", async () => {
      const { convert, rootId } = converters.get("Corona_Anamnese") as {
        convert: CanonicalConverter;
        rootId: string;
      };
      const flat = JSON.parse(await readFixture("flat", "corona.json")) as Flat;
      flat[`${rootId}/allgemeine_angaben/wohnsituation:0/anzahl_der_haushaltsmitglieder`] = 3;
      const { viaFlat, viaCanonical } = await commitBothWays("Corona_Anamnese", rootId, flat, convert);
      expect(viaFlat[`${rootId}/allgemeine_angaben/wohnsituation:0/anzahl_der_haushaltsmitglieder`]).toBe(3);
      expect(viaCanonical).toEqual(viaFlat);
    });

    it("for a custom mapping onto RIPPLE - Clinical Notes.v1", async () => {
      const { convert, rootId } = converters.get("RIPPLE - Clinical Notes.v1") as {
        convert: CanonicalConverter;
        rootId: string;
      };
      const flat: Flat = {
        "ctx/language": "en",
        "ctx/territory": "GB",
        "ctx/time": "2026-03-01T06:00:00Z",
        "ctx/composer_name": "Nurse Kim",
        "ctx/composer_id": "nurse-7",
        "ctx/id_namespace": "ward_app",
        "ctx/id_scheme": "staff",
        [`${rootId}/clinical_synopsis:0/notes`]: "Slept well.",
        [`${rootId}/clinical_synopsis:0/_name|value`]: "Night note",
        [`${rootId}/clinical_synopsis:1/notes`]: "Ate breakfast.",
        [`${rootId}/_feeder_audit/originating_system_audit|system_id`]: "ward_app",
        [`${rootId}/_feeder_audit/originating_system_item_id:0|id`]: `nursing:${randomUUID()}`,
        [`${rootId}/_feeder_audit/originating_system_item_id:0|type`]: "nursing_note_id",
      };
      const { viaFlat, viaCanonical } = await commitBothWays(
        "RIPPLE - Clinical Notes.v1",
        rootId,
        flat,
        convert,
      );
      expect(viaFlat[`${rootId}/clinical_synopsis:1/notes`]).toBe("Ate breakfast.");
      expect(viaCanonical).toEqual(viaFlat);
    });
  },
);
