import { fixturesPresent, readFixture } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { type FlatViolation, validateFlat } from "./validate-flat.js";
import type { WebTemplate } from "./web-template.js";

// Fixture web templates and FLAT compositions: shared/fixtures (Apache-2.0, see templates/SOURCES.md).
let corona: WebTemplate;
let opdVisit: WebTemplate;
let initialAssessment: WebTemplate;
let coronaFlat: Record<string, unknown>;
let coronaFeederAuditFlat: Record<string, unknown>;

const readJson = async (...parts: string[]) => JSON.parse(await readFixture(...parts));

// Needs the fixture corpus (../shared/fixtures); without it the tests below are skipped and counted.
beforeAll(async () => {
  if (!fixturesPresent()) return;
  corona = await readJson("webtemplates", "corona_anamnese.json");
  opdVisit = await readJson("webtemplates", "OPDVisit.json");
  initialAssessment = await readJson("webtemplates", "example.initialassesment.json");
  coronaFlat = await readJson("flat", "corona.json");
  coronaFeederAuditFlat = await readJson("flat", "corona_with_feeder_audit.json");
});

/** A copy of `flat` with `changes` applied; `undefined` removes the key. */
function mutate(flat: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...flat };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

function codes(violations: FlatViolation[]): string[] {
  return violations.map((violation) => `${violation.code} ${violation.path}`);
}

const HUSTEN = "bericht/symptome/husten/spezifisches_symptom_anzeichen";
const TEMPERATUR = "bericht/symptome/körpertemperatur/temperatur";
const OPD_CTX = { "ctx/language": "en", "ctx/territory": "GB", "ctx/composer_name": "Dr Test" };
const OPD_VITALS = "opdvisit.v0/examination_findings/vital_signs";

describe.runIf(fixturesPresent())("validateFlat on the fixture compositions", () => {
  it("accepts corona.json and corona_with_feeder_audit.json against corona_anamnese.json", () => {
    expect(validateFlat(corona, coronaFlat)).toEqual({ ok: true, violations: [] });
    expect(validateFlat(corona, coronaFeederAuditFlat)).toEqual({ ok: true, violations: [] });
  });

  it("accepts a ctx-style composition on OPDVisit", () => {
    const flat = {
      ...OPD_CTX,
      [`${OPD_VITALS}/pulse_heart_beat/rate|magnitude`]: 72,
      [`${OPD_VITALS}/pulse_heart_beat/rate|unit`]: "/min",
      [`${OPD_VITALS}/body_weight/any_event:0/weight|magnitude`]: 70.5,
      [`${OPD_VITALS}/body_weight/any_event:0/weight|unit`]: "kg",
      [`${OPD_VITALS}/body_weight/any_event:1/weight|magnitude`]: 71,
      [`${OPD_VITALS}/body_weight/any_event:1/weight|unit`]: "kg",
      "opdvisit.v0/problem_diagnosis/problem_diagnosis_name|code": "I10",
      "opdvisit.v0/problem_diagnosis/problem_diagnosis_name|value": "Essential hypertension",
      "opdvisit.v0/problem_diagnosis/problem_diagnosis_name|terminology": "ICD-10",
    };
    expect(validateFlat(opdVisit, flat)).toEqual({ ok: true, violations: [] });
  });
});

describe.runIf(fixturesPresent())("unknown paths", () => {
  it.each([
    ["a node the template does not have", `${HUSTEN}/foo`, "x"],
    ["an unknown |suffix", `${TEMPERATUR}|foo`, 1],
    ["an RM attribute EHRbase does not read", "bericht/_foo", "x"],
    ["an unknown feeder-audit attribute", "bericht/_feeder_audit/foo|x", "x"],
    ["a value on a structural node", "bericht/symptome", "x"],
    ["another root", "report/symptome/husten/time", "2020-01-01"],
    ["a non-numeric index", "bericht/geschichte_historie:x/beliebiges_ereignis:0/geschichte:0", "x"],
  ])("reports %s", (_, key, value) => {
    const result = validateFlat(corona, mutate(coronaFlat, { [key]: value }));
    expect(result.ok).toBe(false);
    expect(codes(result.violations)).toEqual([`unknown-path ${key}`]);
  });

  it("accepts the RM attributes EHRbase reads outside the template", () => {
    const flat = mutate(coronaFlat, {
      "bericht/_feeder_audit/originating_system_audit|system_id": "app",
      "bericht/_feeder_audit/originating_system_item_id:0|id": "note-1",
      "bericht/_feeder_audit/originating_system_item_id:0|type": "note",
      "bericht/context/_health_care_facility|name": "Clinic",
      "bericht/context/_end_time": "2020-05-11T23:53:12+02:00",
      "bericht/context/_participation:0|name": "Nurse",
      "bericht/_link:0|target": "ehr://x/y",
      "bericht/geschichte_historie:0/_name|value": "Anamnese",
      "bericht/geschichte_historie:0/_work_flow_id|id": "wf",
      [`${TEMPERATUR}/_null_flavour|code`]: "271",
    });
    expect(validateFlat(corona, flat).violations).toEqual([]);
  });
});

describe.runIf(fixturesPresent())("required nodes", () => {
  it("reports a missing mandatory element of an instantiated cluster", () => {
    const key = `${HUSTEN}/bezeichnung_des_symptoms_oder_anzeichens.`;
    const result = validateFlat(corona, mutate(coronaFlat, { [key]: undefined }));
    expect(codes(result.violations)).toEqual([`missing-required ${key}`]);
  });

  it("requires composer and territory unless ctx supplies them", () => {
    const without = mutate(coronaFlat, {
      "bericht/composer|name": undefined,
      "bericht/territory|code": undefined,
      "bericht/territory|terminology": undefined,
    });
    expect(codes(validateFlat(corona, without).violations)).toEqual([
      "missing-required bericht/composer",
      "missing-required bericht/territory",
    ]);
    const viaCtx = { ...without, "ctx/composer_name": "Dr Test", "ctx/territory": "DE" };
    expect(validateFlat(corona, viaCtx).ok).toBe(true);
  });

  it("lets ctx defaults fill language, time and setting, or requires them with ctxDefaults: false", () => {
    const flat = {
      ...OPD_CTX,
      "ctx/language": undefined,
      "opdvisit.v0/physical_examination_findings/description": "Unremarkable",
    };
    delete flat["ctx/language"];
    expect(validateFlat(opdVisit, flat).ok).toBe(true);
    const strict = validateFlat(opdVisit, flat, { ctxDefaults: false });
    expect(codes(strict.violations).sort()).toEqual([
      "missing-required opdvisit.v0/context/setting",
      "missing-required opdvisit.v0/context/start_time",
      "missing-required opdvisit.v0/language",
      "missing-required opdvisit.v0/physical_examination_findings/language",
      "missing-required opdvisit.v0/physical_examination_findings/time",
    ]);
    const supplied = {
      ...flat,
      "ctx/language": "en",
      "ctx/time": "2024-05-01T10:00:00Z",
      "ctx/setting": "238",
    };
    expect(validateFlat(opdVisit, supplied, { ctxDefaults: false }).ok).toBe(true);
  });

  it("reports an entry or event that carries no data (EHRbase: observation contains no results)", () => {
    const flat = mutate(coronaFlat, { "bericht/symptome/schnupfen/time": undefined });
    for (const key of Object.keys(flat))
      if (key.startsWith("bericht/symptome/schnupfen/spez")) delete flat[key];
    expect(codes(validateFlat(corona, flat).violations)).toEqual([
      "missing-required bericht/symptome/schnupfen",
    ]);
  });

  it("requires |unit when the template does not fix a single unit, and |magnitude always", () => {
    const noUnit = validateFlat(corona, mutate(coronaFlat, { [`${TEMPERATUR}|unit`]: undefined }));
    expect(codes(noUnit.violations)).toEqual([`missing-required ${TEMPERATUR}|unit`]);
    const noMagnitude = validateFlat(corona, mutate(coronaFlat, { [`${TEMPERATUR}|magnitude`]: undefined }));
    expect(codes(noMagnitude.violations)).toEqual([`missing-required ${TEMPERATUR}|magnitude`]);
  });

  it("requires id_scheme and id_namespace with a party |id", () => {
    const result = validateFlat(corona, mutate(coronaFlat, { "bericht/composer|id": "u-1" }));
    expect(codes(result.violations)).toEqual([
      "missing-required bericht/composer|id_scheme",
      "missing-required bericht/composer|id_namespace",
    ]);
  });
});

describe.runIf(fixturesPresent())("cardinality", () => {
  it("reports an index beyond a node's max", () => {
    const flat = mutate(coronaFlat, { "bericht/symptome/husten:1/time": "2020-05-11T22:53:12+02:00" });
    expect(codes(validateFlat(corona, flat).violations)).toEqual(["cardinality bericht/symptome/husten"]);
  });

  it("accepts any number of occurrences of an unbounded node, with or without :0", () => {
    const flat = mutate(coronaFlat, {
      "bericht/geschichte_historie:0/beliebiges_ereignis:0/geschichte:1": "second",
      "bericht/geschichte_historie:0/beliebiges_ereignis:0/geschichte:7": "eighth",
    });
    expect(validateFlat(corona, flat).ok).toBe(true);
  });
});

describe.runIf(fixturesPresent())("values", () => {
  it("reports a code outside a closed value set, and a foreign terminology", () => {
    const result = validateFlat(corona, mutate(coronaFlat, { [`${HUSTEN}/vorhanden|code`]: "at9999" }));
    expect(codes(result.violations)).toEqual([`code-not-in-value-set ${HUSTEN}/vorhanden|code`]);
    const regularity = `${OPD_VITALS}/pulse_heart_beat/regularity`;
    const foreign = {
      ...OPD_CTX,
      [`${regularity}|code`]: "at0006",
      [`${regularity}|terminology`]: "SNOMED-CT",
    };
    expect(codes(validateFlat(opdVisit, foreign).violations)).toEqual([
      `code-not-in-value-set ${regularity}|terminology`,
    ]);
    expect(validateFlat(opdVisit, { ...foreign, [`${regularity}|terminology`]: "local" }).ok).toBe(true);
  });

  it("accepts a bare coded value given as code or label, and rejects one that is neither", () => {
    const base = mutate(coronaFlat, {
      [`${HUSTEN}/vorhanden|code`]: undefined,
      [`${HUSTEN}/vorhanden|value`]: undefined,
      [`${HUSTEN}/vorhanden|terminology`]: undefined,
    });
    expect(validateFlat(corona, { ...base, [`${HUSTEN}/vorhanden`]: "at0023" }).ok).toBe(true);
    expect(validateFlat(corona, { ...base, [`${HUSTEN}/vorhanden`]: "Vorhanden" }).ok).toBe(true);
    expect(codes(validateFlat(corona, { ...base, [`${HUSTEN}/vorhanden`]: "maybe" }).violations)).toEqual([
      `code-not-in-value-set ${HUSTEN}/vorhanden`,
    ]);
  });

  it("reports text outside a DV_TEXT list constraint", () => {
    const key = `${HUSTEN}/bezeichnung_des_symptoms_oder_anzeichens.`;
    expect(codes(validateFlat(corona, mutate(coronaFlat, { [key]: "Niesen" })).violations)).toEqual([
      `invalid-value ${key}`,
    ]);
  });

  it("checks quantity units and per-unit magnitude ranges", () => {
    const flat = {
      ...OPD_CTX,
      [`${OPD_VITALS}/body_temperature/temperature|magnitude`]: 37,
      [`${OPD_VITALS}/body_temperature/temperature|unit`]: "K",
      [`${OPD_VITALS}/pulse_heart_beat/rate|magnitude`]: 1000,
      [`${OPD_VITALS}/pulse_heart_beat/rate|unit`]: "/min",
    };
    expect(codes(validateFlat(opdVisit, flat).violations)).toEqual([
      `unit-not-allowed ${OPD_VITALS}/body_temperature/temperature|unit`,
      `out-of-range ${OPD_VITALS}/pulse_heart_beat/rate|magnitude`,
    ]);
  });

  it("checks DV_COUNT ranges and integer-ness", () => {
    const gcs = "initial_assesment/glasgow_coma_scale_gcs:0";
    const base = {
      "initial_assesment/composer|name": "Dr Test",
      "ctx/territory": "GB",
      [`${gcs}/best_eye_response_e/ordinal_value|code`]: "at0010",
      [`${gcs}/best_verbal_response_v/ordinal_value|code`]: "at0014",
      [`${gcs}/best_motor_response_m/ordinal_value|code`]: "at0019",
    };
    const key = `${gcs}/total_score`;
    expect(validateFlat(initialAssessment, { ...base, [key]: 15 }).ok).toBe(true);
    expect(codes(validateFlat(initialAssessment, { ...base, [key]: 16 }).violations)).toEqual([
      `out-of-range ${key}`,
    ]);
    expect(codes(validateFlat(initialAssessment, { ...base, [key]: 9.5 }).violations)).toEqual([
      `invalid-type ${key}`,
    ]);
  });

  it.each([
    ["2020-13-01T00:00:00Z"],
    ["2020-02-30"],
    ["2020-05-11T24:00:00Z"],
    ["2020-05-11T10:30:78Z"],
    ["2020-05-11 10:30"],
    ["2020-05-11T10:30+02"],
    [""],
  ])("reports the malformed date-time %j", (literal) => {
    const key = "bericht/context/start_time";
    expect(codes(validateFlat(corona, mutate(coronaFlat, { [key]: literal })).violations)).toEqual([
      `invalid-date-time ${key}`,
    ]);
  });

  it.each([["2020"], ["2020-05"], ["2020-05-11"], ["2020-05-11T10"], ["20200511T103047Z"], ["now"]])(
    "accepts the partial or basic date-time %j like EHRbase",
    (literal) => {
      expect(validateFlat(corona, mutate(coronaFlat, { "bericht/context/start_time": literal })).ok).toBe(
        true,
      );
    },
  );

  it("reports wrong value types", () => {
    const story = "bericht/geschichte_historie:0/beliebiges_ereignis:0/geschichte:0";
    const result = validateFlat(
      corona,
      mutate(coronaFlat, { [`${TEMPERATUR}|magnitude`]: "warm", [story]: null, "ctx/time": { at: 1 } }),
    );
    expect(codes(result.violations).sort()).toEqual([
      `invalid-type ${story}`,
      `invalid-type ${TEMPERATUR}|magnitude`,
      "invalid-type ctx/time",
    ]);
  });

  it("checks language, territory and encoding codes and the openEHR setting", () => {
    const result = validateFlat(
      corona,
      mutate(coronaFlat, {
        "bericht/language|code": "xx",
        "bericht/territory|code": "QQ",
        "bericht/context/setting|code": "999",
        "bericht/symptome/husten/encoding|code": "KOI8",
        "ctx/language": "de-DE",
      }),
    );
    expect(codes(result.violations).sort()).toEqual([
      "code-not-in-value-set bericht/context/setting|code",
      "code-not-in-value-set bericht/language|code",
      "code-not-in-value-set bericht/symptome/husten/encoding|code",
      "code-not-in-value-set bericht/territory|code",
      "code-not-in-value-set ctx/language",
    ]);
  });
});

describe.runIf(fixturesPresent())("reporting", () => {
  it("reports every violation, never the offending values", () => {
    const secret = "SECRET-PATIENT-VALUE";
    const flat = mutate(coronaFlat, {
      [`${HUSTEN}/foo`]: secret,
      [`${HUSTEN}/vorhanden|code`]: secret,
      [`${HUSTEN}/bezeichnung_des_symptoms_oder_anzeichens.`]: secret,
      "bericht/context/start_time": secret,
      [`${TEMPERATUR}|unit`]: undefined,
      "bericht/composer|name": undefined,
    });
    const result = validateFlat(corona, flat);
    expect(new Set(result.violations.map((violation) => violation.code))).toEqual(
      new Set([
        "unknown-path",
        "code-not-in-value-set",
        "invalid-value",
        "invalid-date-time",
        "missing-required",
      ]),
    );
    expect(result.violations).toHaveLength(6);
    for (const violation of result.violations) {
      expect(violation.message).not.toContain(secret);
      expect(violation.message.startsWith(violation.path)).toBe(true);
    }
  });

  it("rejects a FLAT body that is not an object", () => {
    expect(validateFlat(corona, [] as unknown as Record<string, unknown>).violations[0]?.code).toBe(
      "invalid-type",
    );
  });
});
