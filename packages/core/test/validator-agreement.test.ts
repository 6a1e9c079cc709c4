/**
 * Agreement between validateFlat and the REAL EHRbase (2.16 in CI), across languages: for every case, validator ok ⇔ EHRbase
 * 2xx, validator not-ok ⇔ EHRbase 400/422. Cases where the validator is deliberately stricter are
 * listed with the status EHRbase actually gives, and that status is asserted too, so a change in
 * EHRbase's behaviour shows up here.
 */
import { randomUUID } from "node:crypto";
import {
  basicAuthHeader,
  type EhrbaseTestConfig,
  fixturesPresent,
  readFixture,
  requireEhrbase,
} from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { mapSoapNoteToFlat } from "../src/mapping/soap-to-flat.js";
import { type FlatViolationCode, validateFlat, type WebTemplate } from "../src/openehr/index.js";
import { SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT } from "../src/templates/soap-template.js";
import { LANGUAGE_CASES, languageNote } from "./corpus/languages.js";

type Flat = Record<string, unknown>;

interface AgreementCase {
  name: string;
  templateId: string;
  flat: Flat;
  /** The violation code the validator must report (mutations only). */
  code?: FlatViolationCode;
  /** Documented exception: the validator rejects, EHRbase answers this instead of 400/422. */
  stricter?: { ehrbaseStatus: "2xx" | 500; why: string };
}

const TEMPLATES = [
  { file: "ehrn_vital_signs.v2.opt", id: "ehrn_vital_signs.v2" },
  { file: "corona_anamnese.opt", id: "Corona_Anamnese" },
  { file: "example_initialassesment.v0.opt", id: "example.initialassesment.v0" },
];

let ehrbase: EhrbaseTestConfig;
const webTemplates = new Map<string, WebTemplate>();
const cases: AgreementCase[] = [];

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: basicAuthHeader(ehrbase.user, ehrbase.password), ...extra };
}

async function uploadTemplate(file: string, opt?: string): Promise<void> {
  const response = await fetch(`${ehrbase.restUrl}/definition/template/adl1.4`, {
    method: "POST",
    headers: headers({ "content-type": "application/xml" }),
    body: opt ?? (await readFixture("templates", file)),
  });
  await response.body?.cancel();
  // 409 = already uploaded (the server is shared).
  if (response.status !== 201 && response.status !== 409)
    throw new Error(`upload ${file}: HTTP ${response.status}`);
}

async function fetchWebTemplate(id: string): Promise<WebTemplate> {
  const response = await fetch(`${ehrbase.restUrl}/definition/template/adl1.4/${encodeURIComponent(id)}`, {
    headers: headers({ accept: "application/openehr.wt+json" }),
  });
  if (response.status !== 200) throw new Error(`web template ${id}: HTTP ${response.status}`);
  return (await response.json()) as WebTemplate;
}

async function createEhr(): Promise<string> {
  const response = await fetch(`${ehrbase.restUrl}/ehr`, {
    method: "POST",
    headers: headers({ "content-type": "application/json", prefer: "return=representation" }),
    body: JSON.stringify({
      _type: "EHR_STATUS",
      archetype_node_id: "openEHR-EHR-EHR_STATUS.generic.v1",
      name: { value: "EHR Status" },
      subject: {
        external_ref: {
          id: { _type: "GENERIC_ID", value: randomUUID(), scheme: "uuid" },
          namespace: "validator_agreement",
          type: "PERSON",
        },
      },
      is_modifiable: true,
      is_queryable: true,
    }),
  });
  if (response.status !== 201) throw new Error(`create EHR: HTTP ${response.status}`);
  const ehr = (await response.json()) as { ehr_id: { value: string } };
  return ehr.ehr_id.value;
}

async function postFlat(templateId: string, flat: Flat): Promise<number> {
  const ehrId = await createEhr();
  const response = await fetch(
    `${ehrbase.restUrl}/ehr/${ehrId}/composition?format=FLAT&templateId=${encodeURIComponent(templateId)}`,
    { method: "POST", headers: headers({ "content-type": "application/json" }), body: JSON.stringify(flat) },
  );
  await response.body?.cancel();
  return response.status;
}

function with_(flat: Flat, changes: Flat): Flat {
  const copy = { ...flat };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

function without(flat: Flat, predicate: (key: string) => boolean): Flat {
  return Object.fromEntries(Object.entries(flat).filter(([key]) => !predicate(key)));
}

/** Fixture FLATs carry a `_uid` from another system; EHRbase would answer 412, which is not what we test. */
const dropUid = (flat: Flat) => without(flat, (key) => key.endsWith("/_uid"));

async function buildCases(): Promise<void> {
  const vitals = JSON.parse(await readFixture("flat", "ehrn_vital_signs.v2__.json")) as Flat;
  const corona = dropUid(JSON.parse(await readFixture("flat", "corona.json")));
  const coronaFeeder = dropUid(JSON.parse(await readFixture("flat", "corona_with_feeder_audit.json")));
  const V = "ehrn_vital_signs.v2";
  const C = "Corona_Anamnese";
  const I = "example.initialassesment.v0";
  const bp = `${V}/vital_signs:0/blood_pressure:0/any_event:0`;
  const vs = `${V}/vital_signs:0`;
  const husten = "bericht/symptome/husten/spezifisches_symptom_anzeichen";
  const temperatur = "bericht/symptome/körpertemperatur/temperatur";
  const pulse: Flat = {
    "initial_assesment/language|code": "en",
    "initial_assesment/language|terminology": "ISO_639-1",
    "initial_assesment/territory|code": "DE",
    "initial_assesment/territory|terminology": "ISO_3166-1",
    "initial_assesment/composer|name": "Dr Agreement",
    "initial_assesment/context/start_time": "2024-05-01T10:00:00Z",
    "initial_assesment/context/setting|code": "238",
    "initial_assesment/context/setting|value": "other care",
    "initial_assesment/context/setting|terminology": "openehr",
    "initial_assesment/pulse_heart_beat/presence|code": "at1024",
    "initial_assesment/pulse_heart_beat/presence|value": "Present",
    "initial_assesment/pulse_heart_beat/presence|terminology": "local",
    "initial_assesment/pulse_heart_beat/time": "2024-05-01T10:00:00Z",
  };
  const ctxOnly: Flat = {
    "ctx/language": "en",
    "ctx/territory": "GB",
    "ctx/composer_name": "Dr Agreement",
    "ctx/time": "2024-05-01T10:00:00+02:00",
    [`${bp}/systolic|magnitude`]: 120,
    [`${bp}/systolic|unit`]: "mm[Hg]",
  };

  cases.push(...languageCases(ctxOnly));
  cases.push(
    // --- valid compositions -------------------------------------------------------------
    { name: "valid: ehrn_vital_signs.v2__.json", templateId: V, flat: vitals },
    { name: "valid: corona.json", templateId: C, flat: corona },
    { name: "valid: corona_with_feeder_audit.json", templateId: C, flat: coronaFeeder },
    { name: "valid: initial assessment, pulse only", templateId: I, flat: pulse },
    { name: "valid: ctx/ keys instead of explicit context paths", templateId: V, flat: ctxOnly },
    {
      name: "valid: partial date-time, omitted :0, single unit defaulted, numeric string",
      templateId: V,
      flat: with_(vitals, {
        [`${bp}/time`]: "2021-03-21T21",
        [`${bp}/systolic|unit`]: undefined,
        [`${bp}/systolic|magnitude`]: "120",
        [`${V}/vital_signs/blood_pressure/any_event/diastolic|magnitude`]: 80,
      }),
    },
    {
      name: "valid: RM attributes outside the template",
      templateId: C,
      flat: with_(corona, {
        "bericht/_feeder_audit/originating_system_audit|system_id": "ehr-sync",
        "bericht/_feeder_audit/originating_system_item_id:0|id": "note-1",
        "bericht/_feeder_audit/originating_system_item_id:0|type": "soap_note",
        "bericht/context/_health_care_facility|name": "Clinic",
        "bericht/context/_end_time": "2020-05-11T23:53:12+02:00",
        "bericht/geschichte_historie:0/_name|value": "Anamnese",
      }),
    },
    {
      name: "valid: coded value given by label only",
      templateId: C,
      flat: with_(corona, {
        [`${husten}/vorhanden|code`]: undefined,
        [`${husten}/vorhanden|terminology`]: undefined,
      }),
    },
    {
      name: "valid: party id with scheme and namespace",
      templateId: V,
      flat: with_(vitals, {
        [`${V}/composer|id`]: "u-1",
        [`${V}/composer|id_scheme`]: "uuid",
        [`${V}/composer|id_namespace`]: "staff",
      }),
    },

    // --- unknown paths (EHRbase 400 "Could not consume Parts") ------------------------
    {
      name: "unknown node",
      templateId: V,
      flat: with_(vitals, { [`${bp}/foo`]: "x" }),
      code: "unknown-path",
    },
    {
      name: "unknown suffix",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|foo`]: "x" }),
      code: "unknown-path",
    },
    {
      name: "unknown RM attribute",
      templateId: C,
      flat: with_(corona, { "bericht/_foo": "x" }),
      code: "unknown-path",
    },
    {
      name: "unknown feeder-audit attribute",
      templateId: C,
      flat: with_(corona, { "bericht/_feeder_audit/foo|x": "x" }),
      code: "unknown-path",
    },
    {
      name: "value on a structural node",
      templateId: V,
      flat: with_(vitals, { [`${V}/vital_signs:0`]: "x" }),
      code: "unknown-path",
    },

    // --- missing required nodes ----------------------------------------------------------
    {
      name: "missing mandatory element",
      templateId: C,
      flat: with_(corona, { [`${husten}/bezeichnung_des_symptoms_oder_anzeichens.`]: undefined }),
      code: "missing-required",
    },
    {
      name: "missing mandatory quantity in a new event",
      templateId: V,
      flat: with_(vitals, { [`${vs}/body_temperature:0/any_event:0/time`]: "2021-03-21T21:19:49+01:00" }),
      code: "missing-required",
    },
    {
      name: "missing composer",
      templateId: V,
      flat: with_(vitals, { [`${V}/composer|name`]: undefined }),
      code: "missing-required",
    },
    {
      name: "missing territory",
      templateId: V,
      flat: with_(vitals, { [`${V}/territory|code`]: undefined, [`${V}/territory|terminology`]: undefined }),
      code: "missing-required",
    },
    {
      name: "interval event without width",
      templateId: I,
      flat: with_(pulse, {
        "initial_assesment/pulse_heart_beat/math_function|code": "146",
        "initial_assesment/pulse_heart_beat/math_function|terminology": "openehr",
      }),
      code: "missing-required",
    },
    {
      name: "entry without data",
      templateId: V,
      flat: with_(vitals, {
        [`${vs}/pulse_heart_beat:0/language|code`]: "de",
        [`${vs}/pulse_heart_beat:0/language|terminology`]: "ISO_639-1",
      }),
      code: "missing-required",
    },
    {
      name: "quantity without magnitude",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|magnitude`]: undefined }),
      code: "missing-required",
    },
    {
      name: "quantity without unit where the template fixes none",
      templateId: C,
      flat: with_(corona, { [`${temperatur}|unit`]: undefined }),
      code: "missing-required",
    },
    {
      name: "party id without scheme and namespace",
      templateId: V,
      flat: with_(vitals, { [`${V}/composer|id`]: "u-1" }),
      code: "missing-required",
    },
    {
      name: "ctx/composer_id without ctx/id_scheme and ctx/id_namespace",
      templateId: V,
      flat: with_(ctxOnly, { "ctx/composer_name": undefined, "ctx/composer_id": "u-1" }),
      code: "missing-required",
    },

    // --- cardinality ------------------------------------------------------------------------
    {
      name: "second occurrence of a 0..1 entry",
      templateId: V,
      flat: with_(vitals, {
        [`${vs}/clinical_synopsis:0/synopsis`]: "a",
        [`${vs}/clinical_synopsis:1/synopsis`]: "b",
      }),
      code: "cardinality",
    },
    {
      name: "second occurrence of a 0..1 observation",
      templateId: I,
      flat: with_(pulse, { "initial_assesment/pulse_heart_beat:1/presence|code": "at1024" }),
      code: "cardinality",
    },

    // --- coded values -----------------------------------------------------------------------
    {
      name: "local code outside the value set",
      templateId: C,
      flat: with_(corona, { [`${husten}/vorhanden|code`]: "at9999" }),
      code: "code-not-in-value-set",
    },
    {
      name: "foreign terminology for a local code",
      templateId: C,
      flat: with_(corona, { [`${husten}/vorhanden|terminology`]: "SNOMED-CT" }),
      code: "code-not-in-value-set",
    },
    {
      name: "label that is not in the value set",
      templateId: C,
      flat: with_(corona, {
        [`${husten}/vorhanden|code`]: undefined,
        [`${husten}/vorhanden|value`]: "Vielleicht",
      }),
      code: "code-not-in-value-set",
    },
    {
      name: "category outside openEHR set",
      templateId: V,
      flat: with_(vitals, { [`${V}/category|code`]: "999" }),
      code: "code-not-in-value-set",
    },
    {
      name: "setting outside openEHR set",
      templateId: V,
      flat: with_(vitals, { [`${V}/context/setting|code`]: "999" }),
      code: "code-not-in-value-set",
    },
    {
      name: "math function outside openEHR set",
      templateId: I,
      flat: with_(pulse, {
        "initial_assesment/pulse_heart_beat/width": "PT1H",
        "initial_assesment/pulse_heart_beat/math_function|code": "999",
      }),
      code: "code-not-in-value-set",
    },
    {
      name: "language not ISO 639-1",
      templateId: V,
      flat: with_(vitals, { [`${V}/language|code`]: "xx" }),
      code: "code-not-in-value-set",
    },
    {
      name: "territory not ISO 3166-1",
      templateId: V,
      flat: with_(vitals, { [`${V}/territory|code`]: "QQ" }),
      code: "code-not-in-value-set",
    },
    {
      name: "text outside a DV_TEXT list",
      templateId: C,
      flat: with_(corona, { [`${husten}/bezeichnung_des_symptoms_oder_anzeichens.`]: "Niesen" }),
      code: "invalid-value",
    },

    // --- quantities -------------------------------------------------------------------------
    {
      name: "unit not allowed (single-unit list)",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|unit`]: "kg" }),
      code: "unit-not-allowed",
    },
    {
      name: "unit not allowed (two-unit list)",
      templateId: V,
      flat: with_(vitals, {
        [`${vs}/body_temperature:0/any_event:0/temperature|magnitude`]: 37,
        [`${vs}/body_temperature:0/any_event:0/temperature|unit`]: "°C",
      }),
      code: "unit-not-allowed",
    },
    {
      name: "magnitude at exclusive max",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|magnitude`]: 1000 }),
      code: "out-of-range",
    },
    {
      name: "magnitude below min",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|magnitude`]: -1 }),
      code: "out-of-range",
    },
    {
      name: "magnitude above a per-unit range",
      templateId: V,
      flat: with_(vitals, {
        [`${vs}/body_temperature:0/any_event:0/temperature|magnitude`]: 100,
        [`${vs}/body_temperature:0/any_event:0/temperature|unit`]: "Cel",
      }),
      code: "out-of-range",
    },
    {
      name: "proportion numerator out of range",
      templateId: V,
      flat: with_(vitals, {
        [`${vs}/pulse_oximetry:0/any_event:0/spo|numerator`]: 101,
        [`${vs}/pulse_oximetry:0/any_event:0/spo|denominator`]: 100,
        [`${vs}/pulse_oximetry:0/any_event:0/spo|type`]: 2,
      }),
      code: "out-of-range",
    },
    {
      name: "count out of range",
      templateId: V,
      flat: with_(vitals, { [`${V}/context/ehrn_metadata:0/confidentiality_level`]: 11 }),
      code: "out-of-range",
    },

    // --- date-time literals (EHRbase 400) ------------------------------------------------------
    {
      name: "month 13",
      templateId: V,
      flat: with_(vitals, { [`${bp}/time`]: "2021-13-01T00:00:00Z" }),
      code: "invalid-date-time",
    },
    {
      name: "hour 25",
      templateId: V,
      flat: with_(vitals, { [`${bp}/time`]: "2021-03-21T25:00:00Z" }),
      code: "invalid-date-time",
    },
    {
      name: "30 February",
      templateId: V,
      flat: with_(vitals, { [`${V}/context/start_time`]: "2021-02-30T10:00:00Z" }),
      code: "invalid-date-time",
    },
    {
      name: "zone without minutes",
      templateId: V,
      flat: with_(vitals, { [`${bp}/time`]: "2021-03-21T21:19:49+01" }),
      code: "invalid-date-time",
    },
    {
      name: "space instead of T",
      templateId: V,
      flat: with_(vitals, { [`${bp}/time`]: "2021-03-21 21:19:49" }),
      code: "invalid-date-time",
    },
    {
      name: "empty date-time",
      templateId: V,
      flat: with_(vitals, { [`${bp}/time`]: "" }),
      code: "invalid-date-time",
    },
    {
      name: "malformed ctx/time",
      templateId: V,
      flat: with_(ctxOnly, { "ctx/time": "yesterday" }),
      code: "invalid-date-time",
    },
    {
      name: "malformed _end_time",
      templateId: C,
      flat: with_(corona, { "bericht/context/_end_time": "2020-05-32" }),
      code: "invalid-date-time",
    },

    // --- wrong types --------------------------------------------------------------------------
    {
      name: "null text value",
      templateId: C,
      flat: with_(corona, { "bericht/geschichte_historie:0/beliebiges_ereignis:0/geschichte:0": null }),
      code: "invalid-type",
    },

    // --- documented exceptions: the validator is stricter ------------------------------------
    {
      name: "non-numeric magnitude",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|magnitude`]: "abc" }),
      code: "invalid-type",
      stricter: {
        ehrbaseStatus: 500,
        why: "EHRbase fails to parse the number and answers 500 (would be retried as transient)",
      },
    },
    {
      name: "boolean magnitude",
      templateId: V,
      flat: with_(vitals, { [`${bp}/systolic|magnitude`]: true }),
      code: "invalid-type",
      stricter: { ehrbaseStatus: 500, why: "EHRbase answers 500 for a boolean where a number belongs" },
    },
    {
      name: "unknown ctx/language",
      templateId: V,
      flat: with_(ctxOnly, { "ctx/language": "de-DE" }),
      code: "code-not-in-value-set",
      stricter: { ehrbaseStatus: 500, why: "EHRbase answers 500 for a ctx/language outside ISO 639-1" },
    },
    {
      name: "non-integer count",
      templateId: V,
      flat: with_(vitals, { [`${V}/context/ehrn_metadata:0/confidentiality_level`]: 5.5 }),
      code: "invalid-type",
      stricter: {
        ehrbaseStatus: "2xx",
        why: "EHRbase silently truncates a fractional DV_COUNT; we refuse to lose data",
      },
    },
  );
}

/**
 * The language dimension: the shipped SOAP mapping's FLAT for a note in each language (valid, or the
 * documented 500 for languages EHRbase cannot store), and the ways a composition in plain `pt`
 * fails EHRbase's terminology check (openEHR texts must be the Portuguese rubrics).
 */
function languageCases(ctxOnly: Flat): AgreementCase[] {
  const S = SOAP_TEMPLATE_ID;
  const soapFlat = (language: string, territory: string): Flat => {
    const c = LANGUAGE_CASES.find((x) => x.language === language && x.territory === territory);
    if (!c) throw new Error(`no language case ${language}`);
    return mapSoapNoteToFlat(languageNote(c), { systemId: "unused", includeUid: false }).flat;
  };
  const out: AgreementCase[] = LANGUAGE_CASES.map((c) => {
    const flat = soapFlat(c.language, c.territory);
    const name = `language ${c.language}: the shipped mapping's FLAT`;
    return c.expect === "delivered"
      ? { name, templateId: S, flat }
      : {
          name,
          templateId: S,
          flat,
          code: "invalid-value",
          stricter: { ehrbaseStatus: 500, why: "EHRbase's terminology check crashes for this language" },
        };
  });
  const pt = soapFlat("pt", "BR");
  const en = soapFlat("en", "US");
  const ar = soapFlat("ar", "AE");
  const setting = "soap_note/context/setting";
  const noSetting = without(pt, (key) => key.startsWith(setting));
  const arViaCtx = with_(
    without(ar, (key) => key.endsWith("/language|code") || key.endsWith("/language|terminology")),
    { "ctx/language": "ar" },
  );
  const V = "ehrn_vital_signs.v2";
  out.push(
    {
      name: "pt with the English category text",
      templateId: S,
      flat: with_(pt, { "soap_note/category|value": "event" }),
      code: "invalid-value",
    },
    {
      name: "en with the Portuguese category text",
      templateId: S,
      flat: with_(en, { "soap_note/category|value": "evento" }),
      code: "invalid-value",
    },
    {
      name: "pt with ctx/setting (EHRbase fills the English text)",
      templateId: S,
      flat: with_(noSetting, { "ctx/setting": "238" }),
      code: "invalid-value",
    },
    { name: "pt without a setting", templateId: S, flat: noSetting, code: "missing-required" },
    {
      name: "setting text that is not the code's rubric",
      templateId: S,
      flat: with_(en, { [`${setting}|value`]: "home" }),
      code: "invalid-value",
    },
    {
      name: "category missing where the template has no code list",
      templateId: S,
      flat: without(en, (key) => key.startsWith("soap_note/category")),
      code: "missing-required",
    },
    {
      name: "category without |value where the template has no code list",
      templateId: S,
      flat: with_(en, { "soap_note/category|value": undefined }),
      code: "missing-required",
    },
    {
      name: "pt in a template that fixes category by code list",
      templateId: V,
      flat: with_(ctxOnly, { "ctx/language": "pt" }),
      code: "invalid-value",
    },
    {
      name: "es-mx in a template that fixes category",
      templateId: V,
      flat: with_(ctxOnly, { "ctx/language": "es-mx" }),
    },
    {
      name: "ar through ctx/language",
      templateId: S,
      flat: arViaCtx,
      code: "code-not-in-value-set",
      stricter: { ehrbaseStatus: 500, why: "EHRbase's FLAT reader knows no `ar` in ctx/language" },
    },
  );
  return out;
}

interface Outcome {
  case: AgreementCase;
  ok: boolean;
  codes: FlatViolationCode[];
  status: number;
}

async function runAll(limit: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < cases.length) {
      const current = cases[next++] as AgreementCase;
      const webTemplate = webTemplates.get(current.templateId) as WebTemplate;
      const result = validateFlat(webTemplate, current.flat);
      const status = await postFlat(current.templateId, current.flat);
      outcomes.push({ case: current, ok: result.ok, codes: result.violations.map((v) => v.code), status });
    }
  }
  await Promise.all(Array.from({ length: limit }, worker));
  return outcomes;
}

describe.runIf(fixturesPresent())(
  "validateFlat agrees with EHRbase (2.16 in CI; EHRBASE_URL for another)",
  () => {
    beforeAll(async () => {
      ehrbase = await requireEhrbase();
      for (const template of TEMPLATES) await uploadTemplate(template.file);
      await uploadTemplate(SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT);
      for (const template of TEMPLATES) webTemplates.set(template.id, await fetchWebTemplate(template.id));
      webTemplates.set(SOAP_TEMPLATE_ID, await fetchWebTemplate(SOAP_TEMPLATE_ID));
      await buildCases();
    });

    it("on at least 25 FLAT cases: ok ⇔ 2xx, not ok ⇔ 400/422, except documented stricter cases", async () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
      expect(cases.filter((c) => c.name.startsWith("valid:")).length).toBeGreaterThanOrEqual(5);
      const outcomes = await runAll(4);
      const disagreements: string[] = [];
      const tally = { plain: 0, plainAgreed: 0, stricter: 0, stricterAsDocumented: 0 };
      for (const outcome of outcomes) {
        const { name, code, stricter } = outcome.case;
        const accepted = outcome.status >= 200 && outcome.status < 300;
        const rejected = outcome.status === 400 || outcome.status === 422;
        let fine: boolean;
        if (stricter) {
          const documented =
            stricter.ehrbaseStatus === "2xx" ? accepted : outcome.status === stricter.ehrbaseStatus;
          fine = !outcome.ok && documented;
        } else {
          fine = outcome.ok ? accepted : rejected;
        }
        if (fine && code !== undefined && !outcome.codes.includes(code)) fine = false;
        // a valid case is there to be accepted: both sides refusing it is a disagreement with its intent
        if (name.startsWith("valid:") && !(outcome.ok && accepted)) fine = false;
        if (stricter) {
          tally.stricter++;
          if (fine) tally.stricterAsDocumented++;
        } else {
          tally.plain++;
          if (fine) tally.plainAgreed++;
        }
        if (!fine)
          disagreements.push(
            `${name}: validator ${outcome.ok ? "ok" : `not ok [${outcome.codes.join(", ")}]`}, EHRbase HTTP ${outcome.status}` +
              (code ? `, expected code ${code}` : ""),
          );
      }
      console.log(
        `validator/EHRbase agreement: ${tally.plainAgreed}/${tally.plain} ` +
          `(${((100 * tally.plainAgreed) / tally.plain).toFixed(1)}%) cases agree on ok⇔2xx / not-ok⇔400|422; ` +
          `${tally.stricterAsDocumented}/${tally.stricter} documented stricter cases behave as documented`,
      );
      expect(disagreements).toEqual([]);
    });
  },
);
