/**
 * Offline behaviour of the FLAT → canonical converter: structure and names it builds, and that
 * every key it cannot convert is refused with a FlatConversionError naming the key (never the value),
 * instead of being dropped. Equivalence with EHRbase itself: test/canonical-equivalence.test.ts.
 */
import { describe, expect, it } from "vitest";
import { mapSoapNoteToFlat } from "../mapping/soap-to-flat.js";
import { SOAP_CANONICAL_NAMES } from "../templates/soap-canonical-names.js";
import { SOAP_TEMPLATE_OPT } from "../templates/soap-template.js";
import { SOAP_WEB_TEMPLATE } from "../templates/soap-web-template.js";
import {
  canonicalNamesUsed,
  compileCanonicalConverter,
  FlatConversionError,
  flatToCanonical,
} from "./flat-to-canonical.js";
import { optNames } from "./opt-names.js";

const SECRET = "Patient says: secret text 4711";
const convert = compileCanonicalConverter(SOAP_WEB_TEMPLATE, { opt: SOAP_TEMPLATE_OPT });

function soapFlat(): Record<string, unknown> {
  const flat = mapSoapNoteToFlat(
    {
      noteId: "note-1",
      version: 1,
      patient: { id: "p-1", namespace: "clinic" },
      encounter: { id: "e-1", start: "2026-03-02T09:30:00Z", kind: "video" },
      provider: { id: "prov-1", name: "Dr. Test" },
      signedAt: "2026-03-02T10:00:00Z",
      subjective: SECRET,
      objective: "Alert.",
      assessment: "Viral infection.",
      plan: "Rest.",
      vitals: { pulse: { value: 70, unit: "/min" } },
      language: "en",
      territory: "US",
    },
    { systemId: "local.ehrbase.org" },
  ).flat;
  return flat;
}

// biome-ignore lint/suspicious/noExplicitAny: walking the produced JSON
type Json = any;

function failure(flat: Record<string, unknown>): FlatConversionError {
  try {
    convert(flat);
  } catch (error) {
    if (error instanceof FlatConversionError) return error;
    throw error;
  }
  throw new Error("conversion should have failed");
}

describe("compileCanonicalConverter", () => {
  it("builds the composition header, context, feeder audit and uid", () => {
    const composition: Json = convert(soapFlat());
    expect(composition._type).toBe("COMPOSITION");
    expect(composition.name).toEqual({ _type: "DV_TEXT", value: "SOAP note" });
    expect(composition.archetype_details).toEqual({
      archetype_id: { value: "openEHR-EHR-COMPOSITION.encounter.v1" },
      template_id: { value: "ehr_sync.soap_note.v2" },
      rm_version: "1.0.4",
    });
    expect(composition.uid._type).toBe("OBJECT_VERSION_ID");
    expect(composition.uid.value).toMatch(/^[0-9a-f-]{36}::local\.ehrbase\.org::1$/);
    expect(composition.territory.code_string).toBe("US");
    expect(composition.context.start_time).toEqual({ _type: "DV_DATE_TIME", value: "2026-03-02T09:30:00Z" });
    expect(composition.context.setting.defining_code.code_string).toBe("238");
    expect(composition.composer.external_ref.id).toEqual({
      _type: "GENERIC_ID",
      value: "prov-1",
      scheme: "ehr-sync",
    });
    expect(composition.feeder_audit.originating_system_item_ids[0].id).toBe("note-1");
  });

  it("builds entries with language, encoding, subject and the OBSERVATION → HISTORY → EVENT → ITEM_TREE → ELEMENT chain", () => {
    const composition: Json = convert(soapFlat());
    const subjective = composition.content.find((s: Json) => s.name.value === "Subjective");
    const story = subjective.items[0];
    expect(story).toMatchObject({
      _type: "OBSERVATION",
      archetype_node_id: "openEHR-EHR-OBSERVATION.story.v1",
      language: { code_string: "en" },
      encoding: { code_string: "UTF-8" },
      subject: { _type: "PARTY_SELF" },
    });
    expect(story.data.name.value).toBe("Event Series"); // from the OPT
    expect(story.data.origin.value).toBe("2026-03-02T09:30:00Z");
    const event = story.data.events[0];
    expect(event).toMatchObject({
      _type: "POINT_EVENT",
      archetype_node_id: "at0002",
      time: { value: "2026-03-02T09:30:00Z" },
    });
    expect(event.data).toMatchObject({ _type: "ITEM_TREE", archetype_node_id: "at0003" });
    expect(event.data.items).toEqual([
      {
        _type: "ELEMENT",
        name: { _type: "DV_TEXT", value: "Story" },
        archetype_node_id: "at0004",
        value: { _type: "DV_TEXT", value: SECRET },
      },
    ]);
  });

  it("gives a node the coded name the OPT constrains it to, and a plain name without the OPT", () => {
    const withOpt: Json = convert(soapFlat());
    const pulse = (c: Json) =>
      c.content
        .find((s: Json) => s.name.value === "Objective")
        .items.find((e: Json) => e.archetype_node_id === "openEHR-EHR-OBSERVATION.pulse.v1").data.events[0]
        .data.items[0];
    expect(pulse(withOpt).name).toMatchObject({
      _type: "DV_CODED_TEXT",
      value: "Pulse Rate",
      defining_code: { code_string: "at1026", terminology_id: { value: "local" } },
    });
    expect(pulse(withOpt).value).toEqual({ _type: "DV_QUANTITY", magnitude: 70, units: "/min" });
    const withoutOpt: Json = flatToCanonical(soapFlat(), SOAP_WEB_TEMPLATE);
    expect(pulse(withoutOpt).name).toEqual({ _type: "DV_TEXT", value: "Pulse Rate" });
  });

  it("converts the same with the shipped SOAP_CANONICAL_NAMES as with the OPT, and those names are the OPT's", () => {
    expect(canonicalNamesUsed(SOAP_WEB_TEMPLATE, optNames(SOAP_TEMPLATE_OPT))).toEqual(SOAP_CANONICAL_NAMES);
    const withNames = compileCanonicalConverter(SOAP_WEB_TEMPLATE, { names: SOAP_CANONICAL_NAMES });
    expect(withNames(soapFlat())).toEqual(convert(soapFlat()));
  });

  it("returns a fresh object per call (the compiled converter shares nothing mutable)", () => {
    const first: Json = convert(soapFlat());
    first.content[0].items[0].data.events[0].data.items[0].value.value = "changed";
    first.name.value = "changed";
    const second: Json = convert(soapFlat());
    expect(second.name.value).toBe("SOAP note");
    expect(second.content[0].items[0].data.events[0].data.items[0].value.value).toBe(SECRET);
  });

  it.each([
    ["a path not in the template", "soap_note/subjective/nonsense", "path is not in the web template"],
    ["an unsupported ctx key", "ctx/participation_name:0", "ctx key is not supported"],
    ["an unsupported RM attribute", "soap_note/_link:0|meaning", "not supported by the canonical converter"],
    [
      "an unsupported suffix",
      "soap_note/subjective/story_history/story|formalism",
      "suffix is not supported",
    ],
    [
      "an index beyond the template's max",
      "soap_note/objective:1/findings/synopsis",
      "not allowed by the template",
    ],
    ["a prototype name as attribute", "soap_note/_feeder_audit/__proto__|id", "not supported"],
    [
      "an index above the converter's limit",
      "soap_note/assessment/problem_diagnosis:10000/clinical_description",
      "limit",
    ],
    ["a structural node given a value", "soap_note/subjective/story_history", "structural node"],
    [
      "an attribute on a value",
      "soap_note/subjective/story_history/story/_null_flavour|code",
      "not supported",
    ],
  ])("refuses %s, naming the key and not the value", (_case, key, reason) => {
    const error = failure({ ...soapFlat(), [key]: SECRET });
    expect(error.key).toBe(key);
    expect(error.message.startsWith(`${key}: `)).toBe(true);
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain(SECRET);
  });

  it("refuses a value of the wrong kind and a missing mandatory part, naming the key", () => {
    const flat = soapFlat();
    const key = "soap_note/objective/pulse_heart_beat/any_event:0/pulse_rate";
    expect(failure({ ...flat, [`${key}|magnitude`]: "seventy" }).key).toBe(`${key}|magnitude`);
    const { [`${key}|unit`]: _unit, ...withoutUnit } = flat;
    expect(failure(withoutUnit).key).toBe(`${key}|unit`);
    const { "ctx/territory": _territory, ...withoutTerritory } = flat;
    expect(failure(withoutTerritory).key).toBe("ctx/territory");
    const diagnosis = "soap_note/assessment/problem_diagnosis:0/problem_diagnosis_name";
    expect(failure({ ...flat, [`${diagnosis}|code`]: "J06.9", [`${diagnosis}|value`]: "URI" }).key).toBe(
      `${diagnosis}|terminology`,
    );
  });

  it("refuses a web template that is not a composition", () => {
    expect(() => compileCanonicalConverter({} as never)).toThrow(TypeError);
    expect(() => convert(null as never)).toThrow(TypeError);
  });
});
