/**
 * Canonical data values (DV_*, CODE_PHRASE, parties) from the `|suffix` → value groups of one FLAT
 * leaf, as EHRbase's FLAT unmarshaller fills them. A suffix the converter does not model is refused,
 * naming the key, rather than dropped.
 */
import { FlatConversionError } from "./flat-conversion-error.js";
import {
  OPENEHR_CATEGORY,
  OPENEHR_MATH_FUNCTION,
  OPENEHR_SETTING,
  openehrRubric,
} from "./openehr-terminology.js";
import type { CodePhrase, DvCodedText, DvText, PartyProxy } from "./rm-types.js";
import type { WebTemplateInput, WebTemplateNode } from "./web-template.js";

/** Suffix → FLAT value of one leaf (`""` is the bare key). */
export type LeafValues = Record<string, unknown>;

/** What a value needs from outside its own keys. */
export interface ValueDefaults {
  /** Composition language: labels of local codes and openEHR rubrics are taken in it. */
  readonly language: string;
  /** `ctx/id_scheme` / `ctx/id_namespace`: defaults of every party id. */
  readonly idScheme: string | undefined;
  readonly idNamespace: string | undefined;
}

type Builder = (values: LeafValues, key: string, node: WebTemplateNode, defaults: ValueDefaults) => unknown;

const OPENEHR_GROUPS = [OPENEHR_CATEGORY, OPENEHR_SETTING, OPENEHR_MATH_FUNCTION];
/** Terminology of a CODE_PHRASE the web template leaves unnamed, by node id. */
const CODE_PHRASE_TERMINOLOGY: Record<string, string> = {
  language: "ISO_639-1",
  territory: "ISO_3166-1",
  encoding: "IANA_character-sets",
};

export function codePhrase(terminology: string, code: string): CodePhrase {
  return {
    _type: "CODE_PHRASE",
    terminology_id: { _type: "TERMINOLOGY_ID", value: terminology },
    code_string: code,
  };
}

export function codedText(terminology: string, code: string, value: string): DvCodedText {
  return { _type: "DV_CODED_TEXT", value, defining_code: codePhrase(terminology, code) };
}

export function text(value: string): DvText {
  return { _type: "DV_TEXT", value };
}

function refuse(key: string, suffix: string, reason: string): never {
  throw new FlatConversionError(suffix === "" ? key : `${key}|${suffix}`, reason);
}

function str(values: LeafValues, suffix: string, key: string): string | undefined {
  const value = values[suffix];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return refuse(key, suffix, "expected a text value");
}

function required(value: string | undefined, key: string, suffix: string): string {
  if (value === undefined || value === "") return refuse(key, suffix, "is required here");
  return value;
}

function num(values: LeafValues, suffix: string, key: string, integer = false): number | undefined {
  const value = values[suffix];
  if (value === undefined || value === null) return undefined;
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    return refuse(key, suffix, integer ? "expected an integer" : "expected a number");
  return n;
}

function inputFor(node: WebTemplateNode, suffix: string): WebTemplateInput | undefined {
  const inputs = node.inputs;
  if (inputs === undefined) return undefined;
  for (const input of inputs) if ((input.suffix ?? "") === suffix) return input;
  return undefined;
}

/** Label of a code: the input list (in the composition language), else the openEHR terminology. */
function labelOf(
  node: WebTemplateNode,
  code: string,
  terminology: string,
  language: string,
): string | undefined {
  for (const input of node.inputs ?? []) {
    for (const entry of input.list ?? []) {
      if (entry.value === code) return entry.localizedLabels?.[language] ?? entry.label;
    }
  }
  if (terminology === "openehr") {
    for (const group of OPENEHR_GROUPS) if (group.has(code)) return openehrRubric(group, code, language);
  }
  return undefined;
}

const TEXT_SUFFIXES = new Set(["", "value", "code", "terminology", "formatting", "preferred_term"]);
const dvText: Builder = (values, key, node, defaults) => {
  if (values.code !== undefined) return dvCodedText(values, key, node, defaults);
  const value = required(
    str(values, "", key) ?? str(values, "value", key),
    key,
    values[""] === undefined ? "value" : "",
  );
  const result: DvText = { _type: "DV_TEXT", value };
  const formatting = str(values, "formatting", key);
  if (formatting !== undefined) result.formatting = formatting;
  return result;
};

const CODED_SUFFIXES = new Set(["code", "value", "terminology", "formatting", "preferred_term"]);
const dvCodedText: Builder = (values, key, node, defaults) => {
  const code = required(str(values, "code", key), key, "code");
  const terminology =
    str(values, "terminology", key) ??
    inputFor(node, "code")?.terminology ??
    // EHRbase leaves the terminology out here and then refuses the composition (422).
    refuse(key, "terminology", "is required: the template names no terminology for this code");
  const value = str(values, "value", key) ?? labelOf(node, code, terminology, defaults.language);
  const result = codedText(terminology, code, required(value, key, "value"));
  const formatting = str(values, "formatting", key);
  if (formatting !== undefined) result.formatting = formatting;
  const preferred = str(values, "preferred_term", key);
  if (preferred !== undefined) result.defining_code.preferred_term = preferred;
  return result;
};

const CODE_PHRASE_SUFFIXES = new Set(["", "code", "terminology"]);
const codePhraseValue: Builder = (values, key, node) => {
  const code = required(str(values, "code", key) ?? str(values, "", key), key, "code");
  const terminology =
    str(values, "terminology", key) ??
    inputFor(node, "code")?.terminology ??
    CODE_PHRASE_TERMINOLOGY[node.id] ??
    refuse(key, "terminology", "is required here");
  return codePhrase(terminology, code);
};

const QUANTITY_SUFFIXES = new Set(["magnitude", "unit", "units", "precision"]);
const dvQuantity: Builder = (values, key) => {
  const magnitude = num(values, "magnitude", key);
  if (magnitude === undefined) return refuse(key, "magnitude", "is required here");
  const units = required(str(values, "unit", key) ?? str(values, "units", key), key, "unit");
  const result: Record<string, unknown> = { _type: "DV_QUANTITY", magnitude, units };
  const precision = num(values, "precision", key, true);
  if (precision !== undefined) result.precision = precision;
  return result;
};

const COUNT_SUFFIXES = new Set(["", "magnitude"]);
const dvCount: Builder = (values, key) => {
  const magnitude = num(values, "", key, true) ?? num(values, "magnitude", key, true);
  if (magnitude === undefined) return refuse(key, "magnitude", "is required here");
  return { _type: "DV_COUNT", magnitude };
};

const PROPORTION_SUFFIXES = new Set(["numerator", "denominator", "type", "precision"]);
const dvProportion: Builder = (values, key) => {
  const numerator = num(values, "numerator", key);
  const denominator = num(values, "denominator", key);
  const type = num(values, "type", key, true);
  if (numerator === undefined) return refuse(key, "numerator", "is required here");
  if (denominator === undefined) return refuse(key, "denominator", "is required here");
  if (type === undefined) return refuse(key, "type", "is required here");
  const result: Record<string, unknown> = { _type: "DV_PROPORTION", numerator, denominator, type };
  const precision = num(values, "precision", key, true);
  if (precision !== undefined) result.precision = precision;
  return result;
};

const ORDINAL_SUFFIXES = new Set(["code", "value", "ordinal", "terminology"]);
const dvOrdinal: Builder = (values, key, node, defaults) => {
  const code = required(str(values, "code", key), key, "code");
  const entry = (node.inputs ?? []).flatMap((input) => input.list ?? []).find((e) => e.value === code);
  if (entry === undefined || typeof entry.ordinal !== "number")
    return refuse(key, "code", "is not an ordinal code of the template");
  const label = str(values, "value", key) ?? entry.localizedLabels?.[defaults.language] ?? entry.label;
  const terminology = str(values, "terminology", key) ?? "local";
  return { _type: "DV_ORDINAL", value: entry.ordinal, symbol: codedText(terminology, code, label) };
};

const BARE = new Set(["", "value"]);
function plain(rmType: string): Builder {
  return (values, key) => {
    return { _type: rmType, value: required(str(values, "", key) ?? str(values, "value", key), key, "") };
  };
}

const dvBoolean: Builder = (values, key) => {
  const raw = values[""] ?? values.value;
  if (raw === true || raw === "true") return { _type: "DV_BOOLEAN", value: true };
  if (raw === false || raw === "false") return { _type: "DV_BOOLEAN", value: false };
  return refuse(key, values[""] === undefined ? "value" : "", "expected true or false");
};

const IDENTIFIER_SUFFIXES = new Set(["id", "issuer", "assigner", "type"]);
export function dvIdentifier(values: LeafValues, key: string): Record<string, unknown> {
  const result: Record<string, unknown> = { _type: "DV_IDENTIFIER" };
  for (const suffix of ["issuer", "assigner", "id", "type"]) {
    const value = str(values, suffix, key);
    if (value !== undefined) result[suffix] = value;
  }
  if (result.id === undefined) return refuse(key, "id", "is required here");
  return result;
}

const PARSABLE_SUFFIXES = new Set(["", "value", "formalism"]);
const dvParsable: Builder = (values, key) => {
  const value = required(str(values, "", key) ?? str(values, "value", key), key, "");
  return {
    _type: "DV_PARSABLE",
    value,
    formalism: required(str(values, "formalism", key), key, "formalism"),
  };
};

const PARTY_SUFFIXES = new Set(["", "name", "id", "id_scheme", "id_namespace"]);
/**
 * A party from `|name|id|id_scheme|id_namespace` (composer, facility, entry subject). An id needs a
 * scheme and namespace (FLAT or `ctx/`): EHRbase builds a PARTY_REF that requires both.
 */
export function party(values: LeafValues, key: string, defaults: ValueDefaults, subject = false): PartyProxy {
  const name = str(values, "name", key) ?? str(values, "", key);
  const id = str(values, "id", key);
  if (subject && name === undefined && id === undefined) return { _type: "PARTY_SELF" };
  if (subject)
    return refuse(
      key,
      id === undefined ? "name" : "id",
      "a subject other than PARTY_SELF is not supported by the canonical converter",
    );
  const result: PartyProxy = { _type: "PARTY_IDENTIFIED" };
  if (name !== undefined) result.name = name;
  if (id !== undefined) {
    const scheme = required(str(values, "id_scheme", key) ?? defaults.idScheme, key, "id_scheme");
    const namespace = required(str(values, "id_namespace", key) ?? defaults.idNamespace, key, "id_namespace");
    result.external_ref = {
      _type: "PARTY_REF",
      id: { _type: "GENERIC_ID", value: id, scheme },
      namespace,
      type: "PARTY",
    };
  }
  if (name === undefined && id === undefined) return refuse(key, "name", "is required here");
  return result;
}

/** Suffixes each leaf type takes; checked once per key when it is resolved, not per conversion. */
const SUFFIXES: Record<string, ReadonlySet<string>> = {
  DV_TEXT: TEXT_SUFFIXES,
  DV_CODED_TEXT: CODED_SUFFIXES,
  CODE_PHRASE: CODE_PHRASE_SUFFIXES,
  DV_QUANTITY: QUANTITY_SUFFIXES,
  DV_COUNT: COUNT_SUFFIXES,
  DV_PROPORTION: PROPORTION_SUFFIXES,
  DV_ORDINAL: ORDINAL_SUFFIXES,
  DV_BOOLEAN: BARE,
  DV_DATE_TIME: BARE,
  DV_DATE: BARE,
  DV_TIME: BARE,
  DV_DURATION: BARE,
  DV_URI: BARE,
  DV_EHR_URI: BARE,
  DV_IDENTIFIER: IDENTIFIER_SUFFIXES,
  DV_PARSABLE: PARSABLE_SUFFIXES,
  PARTY_PROXY: PARTY_SUFFIXES,
  PARTY_IDENTIFIED: PARTY_SUFFIXES,
};

/** The suffixes a leaf of this RM type accepts (`""` = bare key); undefined when not modelled. */
export function leafSuffixes(rmType: string): ReadonlySet<string> | undefined {
  return SUFFIXES[rmType];
}

const BUILDERS: Record<string, Builder> = {
  DV_TEXT: dvText,
  DV_CODED_TEXT: dvCodedText,
  CODE_PHRASE: codePhraseValue,
  DV_QUANTITY: dvQuantity,
  DV_COUNT: dvCount,
  DV_PROPORTION: dvProportion,
  DV_ORDINAL: dvOrdinal,
  DV_BOOLEAN: dvBoolean,
  DV_DATE_TIME: plain("DV_DATE_TIME"),
  DV_DATE: plain("DV_DATE"),
  DV_TIME: plain("DV_TIME"),
  DV_DURATION: plain("DV_DURATION"),
  DV_URI: plain("DV_URI"),
  DV_EHR_URI: plain("DV_EHR_URI"),
  DV_IDENTIFIER: (values, key) => dvIdentifier(values, key),
  DV_PARSABLE: dvParsable,
  PARTY_PROXY: (values, key, node, defaults) => party(values, key, defaults, node.id === "subject"),
  PARTY_IDENTIFIED: (values, key, _node, defaults) => party(values, key, defaults),
};

/** Builder of a web-template leaf's RM type; undefined when the converter does not model it. */
export function valueBuilder(rmType: string): Builder | undefined {
  return BUILDERS[rmType];
}
