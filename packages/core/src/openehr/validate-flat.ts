/**
 * Checks a FLAT (simSDT) composition against its web template before it is sent, reporting the same
 * classes of problems EHRbase 2.16 answers 400/422 for: unknown paths ("Could not consume Parts"),
 * missing required nodes, cardinality, coded values outside their value set, quantity units and
 * ranges, date-time literals. Messages name the path and the rule, never the value (patient data).
 */
import { type FlatPathIndex, type FlatPathNode, indexWebTemplate } from "./flat-paths.js";
import { FLAT_CTX_LANGUAGES, IANA_CHARACTER_SETS, ISO_639_1, ISO_3166_1 } from "./iso-codes.js";
import {
  EHRBASE_UNSTORABLE_LANGUAGES,
  OPENEHR_CATEGORY,
  OPENEHR_MATH_FUNCTION,
  OPENEHR_SETTING,
  openehrRubric,
} from "./openehr-terminology.js";
import { type NodeInstance, resolveFlatKey, rootInstance, singleChildInstance } from "./resolve-flat-key.js";
import type { RmAttributeSpec } from "./rm-attributes.js";
import {
  isFlatBoolean,
  isFlatDate,
  isFlatDateTime,
  isFlatDuration,
  isFlatTime,
  toInteger,
  toNumber,
} from "./value-checks.js";
import type { WebTemplate, WebTemplateInput, WebTemplateInterval } from "./web-template.js";

export type FlatViolationCode =
  | "unknown-path"
  | "missing-required"
  | "cardinality"
  | "code-not-in-value-set"
  | "unit-not-allowed"
  | "out-of-range"
  | "invalid-date-time"
  | "invalid-type"
  | "invalid-value";

export interface FlatViolation {
  path: string;
  code: FlatViolationCode;
  message: string;
}

export interface ValidateFlatOptions {
  /**
   * true (default): in-context RM attributes that EHRbase fills from its own defaults when neither
   * a path nor a `ctx/` key gives them (composition language, context start_time and setting, entry
   * language and event/action time) are not required. false: require those explicitly, in the FLAT
   * or through the matching `ctx/` key. Composer and territory have no server default and are
   * required either way; category, encoding and subject are always built by EHRbase.
   */
  ctxDefaults?: boolean;
}

export interface ValidateFlatResult {
  ok: boolean;
  violations: FlatViolation[];
}

/** `ctx/` keys that take a date-time. Unknown `ctx/` keys are ignored by EHRbase, so they are not reported. */
const CTX_DATE_TIME_KEYS = new Set(["ctx/time", "ctx/end_time", "ctx/history_origin", "ctx/action_time"]);

/** Which `ctx/` keys supply an in-context node, by the node id (composition- or entry-level). */
const CTX_SUPPLIERS: Record<string, readonly string[]> = {
  language: ["ctx/language"],
  territory: ["ctx/territory"],
  composer: ["ctx/composer_name", "ctx/composer_id", "ctx/composer_self"],
  start_time: ["ctx/time"],
  setting: ["ctx/setting"],
  time: ["ctx/time", "ctx/history_origin", "ctx/action_time"],
};

/** In-context nodes EHRbase always builds itself (skeleton), whatever ctxDefaults says. */
const ALWAYS_BUILT = new Set([
  "encoding",
  "subject",
  "action_archetype_id",
  "narrative",
  "timing",
  "category",
]);

/** Composition-level nodes with no server default (EHRbase: 400 "missing mandatory attribute: composer", 422 territory). */
const NO_DEFAULT = new Set(["composer", "territory"]);

const EVENT_TYPES = new Set(["EVENT", "POINT_EVENT", "INTERVAL_EVENT"]);

/** Instantiated nodes of these types must carry at least one data value (RM: `data` 1..1; event without results). */
const NEEDS_DATA = new Set([...EVENT_TYPES, "OBSERVATION", "EVALUATION", "ADMIN_ENTRY", "ACTION"]);

interface LeafInstance {
  readonly node: FlatPathNode;
  readonly path: string;
  readonly values: Map<string, unknown>;
}

interface Pass {
  readonly index: FlatPathIndex;
  readonly violations: FlatViolation[];
  /** Stamp for NodeInstance.seenIn / dataIn / OccurrenceSlot.seenIn. */
  readonly id: number;
  /** Template-node instances this composition reaches (each once). */
  readonly instances: NodeInstance[];
  readonly leaves: Map<NodeInstance, LeafInstance>;
  readonly ctx: Set<string>;
  /** Cardinality problems already reported, to report each surplus occurrence once. */
  readonly reported: Set<string>;
  /** RM attributes outside the template given per instance path (e.g. width, math_function). */
  readonly rmAttributes: Map<string, Set<string>>;
  /** Party groups (path without suffix) → suffixes given. */
  readonly parties: Map<string, Set<string>>;
  /** The composition's language (root `language|code`, else `ctx/language`, else the template's default). */
  language: string | undefined;
}

/** Id of the current validation pass (stamps interned instances; validation is synchronous). */
let passCounter = 0;

export function validateFlat(
  webTemplate: WebTemplate,
  flat: Record<string, unknown>,
  options: ValidateFlatOptions = {},
): ValidateFlatResult {
  const index = indexWebTemplate(webTemplate);
  if (flat === null || typeof flat !== "object" || Array.isArray(flat)) {
    return {
      ok: false,
      violations: [
        { path: "", code: "invalid-type", message: "FLAT composition must be a JSON object of path → value" },
      ],
    };
  }
  const root = rootInstance(index);
  const pass: Pass = {
    index,
    violations: [],
    id: ++passCounter,
    instances: [],
    leaves: new Map(),
    ctx: new Set(),
    reported: new Set(),
    rmAttributes: new Map(),
    parties: new Map(),
    language: undefined,
  };
  see(pass, root);
  for (const key of Object.keys(flat)) visitKey(pass, key, flat[key]);
  const languageKey = `${index.root.id}/language|code`;
  const languageSource =
    languageKey in flat ? languageKey : "ctx/language" in flat ? "ctx/language" : undefined;
  pass.language =
    languageSource !== undefined ? String(flat[languageSource]) : (webTemplate.defaultLanguage ?? "en");
  const ctxDefaults = options.ctxDefaults ?? true;
  if (!ctxDefaults) {
    // Without server defaults the mandatory EVENT_CONTEXT exists even when no context/ path is given.
    for (const child of index.root.children.values())
      if (child.rmType === "EVENT_CONTEXT" && child.min >= 1 && !child.repeatable)
        see(pass, singleChildInstance(index, root, child));
  }
  checkRequired(pass, ctxDefaults);
  checkLanguage(pass, languageSource, flat);
  for (const leaf of pass.leaves.values()) LEAF_CHECKS[leaf.node.rmType]?.(pass, leaf);
  checkParties(pass);
  return { ok: pass.violations.length === 0, violations: pass.violations };
}

function report(pass: Pass, path: string, code: FlatViolationCode, message: string): void {
  pass.violations.push({ path, code, message: `${path}: ${message}` });
}

function isScalar(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean";
}

/** Records that this pass reaches `instance`, counting a new occurrence of a repeatable node. */
function see(pass: Pass, instance: NodeInstance): void {
  if (instance.seenIn === pass.id) return;
  instance.seenIn = pass.id;
  pass.instances.push(instance);
  const parent = instance.parent;
  if (parent === undefined || !instance.node.repeatable) return;
  let slot = parent.slots.get(instance.node.id);
  if (slot === undefined) {
    slot = { seenIn: 0, count: 0 };
    parent.slots.set(instance.node.id, slot);
  }
  if (slot.seenIn !== pass.id) {
    slot.seenIn = pass.id;
    slot.count = 0;
  }
  slot.count++;
}

function visitKey(pass: Pass, key: string, value: unknown): void {
  const resolved = resolveFlatKey(pass.index, key);
  if (resolved.ctx) {
    visitCtx(pass, key, value);
    return;
  }
  for (const step of resolved.steps) see(pass, step);
  if (resolved.marksData) for (const step of resolved.steps) step.dataIn = pass.id;
  const problem = resolved.problem;
  if (problem !== undefined) {
    // Several keys below one surplus occurrence are one violation.
    if (problem.code === "cardinality") {
      if (pass.reported.has(problem.message)) return;
      pass.reported.add(problem.message);
    }
    pass.violations.push({ path: problem.path, code: problem.code, message: problem.message });
    return;
  }
  if (!isScalar(value)) {
    report(pass, key, "invalid-type", "value must be a string, number or boolean");
    return;
  }
  if (resolved.partyGroup !== undefined) recordParty(pass, resolved.partyGroup, resolved.suffix);
  const attribute = resolved.attribute;
  if (attribute !== undefined) {
    checkRmAttribute(pass, key, resolved.ownerPath, attribute.name, attribute.spec, resolved.suffix, value);
    return;
  }
  const owner = resolved.steps[resolved.steps.length - 1] as NodeInstance;
  let leaf = pass.leaves.get(owner);
  if (leaf === undefined) {
    leaf = { node: owner.node, path: owner.path, values: new Map() };
    pass.leaves.set(owner, leaf);
  }
  leaf.values.set(resolved.suffix, value);
}

/** Value checks of an RM attribute outside the template (`_end_time`, `math_function` …). */
function checkRmAttribute(
  pass: Pass,
  key: string,
  ownerPath: string,
  name: string,
  spec: RmAttributeSpec,
  suffix: string,
  value: unknown,
): void {
  let attributes = pass.rmAttributes.get(ownerPath);
  if (attributes === undefined) {
    attributes = new Set();
    pass.rmAttributes.set(ownerPath, attributes);
  }
  attributes.add(name);
  if (spec.open) return;
  if (spec.codes !== undefined && suffix !== "terminology") {
    const text = String(value);
    const known =
      suffix === "code" ? spec.codes.has(text) : spec.codes.has(text) || hasLabel(spec.codes, text);
    if (!known)
      report(pass, key, "code-not-in-value-set", "code is not in the openEHR value set for this attribute");
  }
  const kind = spec.kinds.get(suffix) ?? "text";
  if (kind === "date-time" && !isFlatDateTime(value))
    report(pass, key, "invalid-date-time", "must be an ISO 8601 date-time");
  else if (kind === "integer" && toInteger(value) === undefined)
    report(pass, key, "invalid-type", "must be an integer");
  else if (kind === "number" && toNumber(value) === undefined)
    report(pass, key, "invalid-type", "must be a number");
}

/** Remembers which `|suffix`es a party (composer, facility, participation …) was given, to check id → scheme + namespace. */
function recordParty(pass: Pass, group: string, suffix: string): void {
  let suffixes = pass.parties.get(group);
  if (suffixes === undefined) {
    suffixes = new Set();
    pass.parties.set(group, suffixes);
  }
  suffixes.add(suffix);
}

function visitCtx(pass: Pass, key: string, value: unknown): void {
  pass.ctx.add(key);
  if (!isScalar(value)) {
    report(pass, key, "invalid-type", "value must be a string, number or boolean");
    return;
  }
  if (key === "ctx/language" && !FLAT_CTX_LANGUAGES.has(String(value))) {
    report(
      pass,
      key,
      "code-not-in-value-set",
      ISO_639_1.has(String(value))
        ? "is not a language EHRbase reads from ctx/language (HTTP 500); give <root>/language|code and each entry's language|code instead"
        : "must be an ISO 639-1 language code",
    );
  } else if (key === "ctx/territory" && !ISO_3166_1.has(String(value))) {
    report(pass, key, "code-not-in-value-set", "must be an ISO 3166-1 alpha-2 country code");
  } else if (CTX_DATE_TIME_KEYS.has(key) && !isFlatDateTime(value)) {
    report(pass, key, "invalid-date-time", "must be an ISO 8601 date-time");
  } else if (
    key === "ctx/setting" &&
    !OPENEHR_SETTING.has(String(value)) &&
    !hasLabel(OPENEHR_SETTING, value)
  ) {
    report(pass, key, "code-not-in-value-set", "must be an openEHR setting code or its label");
  } else if (key === "ctx/composer_self" && !isFlatBoolean(value)) {
    report(pass, key, "invalid-type", "must be a boolean");
  }
}

function hasLabel(codes: ReadonlyMap<string, string>, value: unknown): boolean {
  for (const label of codes.values()) if (label === value) return true;
  return false;
}

function suppliedByCtx(pass: Pass, id: string): boolean {
  const keys = CTX_SUPPLIERS[id];
  if (keys === undefined) return false;
  for (const key of keys) if (pass.ctx.has(key)) return true;
  return false;
}

function checkRequired(pass: Pass, ctxDefaults: boolean): void {
  const root = pass.index.root;
  // EHRbase requires these whatever min the (older) web template states.
  for (const id of NO_DEFAULT) {
    const child = root.children.get(id);
    if (child === undefined || countInstances(pass, rootOf(pass), child) > 0 || suppliedByCtx(pass, id))
      continue;
    report(pass, `${root.id}/${id}`, "missing-required", "is required (EHRbase has no default for it)");
  }
  for (const instance of pass.instances) {
    const { path, node } = instance;
    for (const child of node.requiredChildren) {
      if (node === root && NO_DEFAULT.has(child.id)) continue;
      const count = countInstances(pass, instance, child);
      if (count >= child.min) continue;
      const childPath = `${path}/${child.id}`;
      if (child.node.inContext === true) {
        // EHRbase builds category from the template's code list; without one nothing supplies it.
        const categoryNeeded = child.id === "category" && !hasCodeList(child);
        if (ALWAYS_BUILT.has(child.id) && !categoryNeeded) continue;
        if (!categoryNeeded && (suppliedByCtx(pass, child.id) || ctxDefaults)) continue;
      } else if (isCtxFilledContext(child)) {
        continue;
      }
      const times = child.min === 1 ? "is required" : `must occur at least ${child.min} times`;
      report(pass, childPath, "missing-required", `${times} by the template`);
    }
    if (NEEDS_DATA.has(node.rmType) && instance.dataIn !== pass.id) {
      report(
        pass,
        path,
        "missing-required",
        "has no data values (EHRbase: missing data / contains no results)",
      );
    }
    if (EVENT_TYPES.has(node.rmType) || isCollapsedObservation(node)) checkIntervalPair(pass, path);
  }
}

function hasCodeList(node: FlatPathNode): boolean {
  const list = node.inputs.get("code")?.list;
  return list !== undefined && list.length > 0;
}

function hasContent(pass: Pass): boolean {
  const root = rootOf(pass);
  for (const instance of pass.instances)
    if (instance.parent === root && instance.node.node.aqlPath?.startsWith("/content")) return true;
  return false;
}

/**
 * What EHRbase's terminology check makes of the composition's language: some languages it cannot
 * store at all, and for plain `pt` it wants the Portuguese rubric of every openEHR-coded text — which
 * a template fixing category by code list (English label) or a server-filled setting cannot give.
 */
function checkLanguage(pass: Pass, source: string | undefined, flat: Record<string, unknown>): void {
  const language = pass.language;
  if (language === undefined || !hasContent(pass)) return;
  const rootId = pass.index.root.id;
  if (EHRBASE_UNSTORABLE_LANGUAGES.has(language)) {
    report(
      pass,
      source ?? `${rootId}/language`,
      "invalid-value",
      "EHRbase cannot store a composition in this language: its openEHR-terminology check fails with HTTP 500 (ehrbase/ehrbase#1252, ehrbase/openEHR_SDK#372); a regional code (e.g. es-mx) is not affected",
    );
    return;
  }
  if (openehrRubric(OPENEHR_CATEGORY, "433", language) === OPENEHR_CATEGORY.get("433")) return;
  const category = pass.index.root.children.get("category");
  if (category !== undefined && hasCodeList(category))
    report(
      pass,
      `${rootId}/category`,
      "invalid-value",
      "the template fixes category by code list, so EHRbase's template check wants the English text while its terminology check wants the text in the composition's language; use a template without that code list",
    );
  const setting = `${rootId}/context/setting`;
  if (pass.index.byPattern.has(setting)) {
    if ("ctx/setting" in flat)
      report(
        pass,
        "ctx/setting",
        "invalid-value",
        "EHRbase fills the English text from ctx/setting; give context/setting|code with the |value in the composition's language",
      );
    else if (!(`${setting}|value` in flat))
      report(
        pass,
        `${setting}|value`,
        "missing-required",
        "EHRbase's default setting text is English; give context/setting|code with the |value in the composition's language",
      );
  }
}

/** `width` and `math_function` turn an event into an INTERVAL_EVENT, which needs both. */
function checkIntervalPair(pass: Pass, path: string): void {
  const attributes = pass.rmAttributes.get(path);
  if (attributes === undefined) return;
  const width = attributes.has("width");
  const mathFunction = attributes.has("math_function");
  if (width && !mathFunction)
    report(pass, `${path}/math_function`, "missing-required", "interval event needs math_function");
  if (mathFunction && !width) report(pass, `${path}/width`, "missing-required", "interval event needs width");
}

/** `ctx/` keys that create a party id, and so need `ctx/id_scheme` + `ctx/id_namespace`. */
const CTX_PARTY_IDS = ["ctx/composer_id", "ctx/health_care_facility|id", "ctx/provider_id"];

function checkParties(pass: Pass): void {
  for (const [group, suffixes] of pass.parties) {
    if (!suffixes.has("id")) continue;
    for (const needed of ["id_scheme", "id_namespace"])
      if (!suffixes.has(needed))
        report(pass, `${group}|${needed}`, "missing-required", `a party with |id also needs |${needed}`);
  }
  for (const key of CTX_PARTY_IDS) {
    if (!pass.ctx.has(key)) continue;
    for (const needed of ["ctx/id_scheme", "ctx/id_namespace"])
      if (!pass.ctx.has(needed)) report(pass, needed, "missing-required", `is required when ${key} is given`);
  }
}

/** EVENT_CONTEXT is built by the server from ctx/defaults even when no context path is given. */
function isCtxFilledContext(node: FlatPathNode): boolean {
  return node.rmType === "EVENT_CONTEXT";
}

function isCollapsedObservation(node: FlatPathNode): boolean {
  if (node.rmType !== "OBSERVATION") return false;
  const time = node.children.get("time");
  return time !== undefined && time.rmType === "DV_DATE_TIME";
}

function countInstances(pass: Pass, parent: NodeInstance, child: FlatPathNode): number {
  if (child.repeatable) {
    const slot = parent.slots.get(child.id);
    return slot !== undefined && slot.seenIn === pass.id ? slot.count : 0;
  }
  return parent.single.get(child.id)?.seenIn === pass.id ? 1 : 0;
}

function rootOf(pass: Pass): NodeInstance {
  return pass.instances[0] as NodeInstance;
}

function keyOf(leaf: LeafInstance, suffix: string): string {
  return suffix === "" ? leaf.path : `${leaf.path}|${suffix}`;
}

function checkIdentifier(pass: Pass, leaf: LeafInstance): void {
  if (!leaf.values.has("id") && !leaf.values.has(""))
    report(pass, keyOf(leaf, "id"), "missing-required", "identifier needs |id");
}

function lexical(
  test: (value: unknown) => boolean,
  code: FlatViolationCode,
  rule: string,
): (pass: Pass, leaf: LeafInstance) => void {
  return (pass, leaf) => checkLexical(pass, leaf, test, code, rule);
}

/** Value checks per RM type; types not listed take any scalar. */
const LEAF_CHECKS: Record<string, (pass: Pass, leaf: LeafInstance) => void> = {
  DV_QUANTITY: checkQuantity,
  DV_COUNT: checkCount,
  DV_PROPORTION: checkProportion,
  DV_CODED_TEXT: checkCodedText,
  DV_TEXT: checkText,
  DV_ORDINAL: checkOrdinal,
  DV_SCALE: checkOrdinal,
  DV_DATE_TIME: lexical(isFlatDateTime, "invalid-date-time", "must be an ISO 8601 date-time"),
  DV_DATE: lexical(isFlatDate, "invalid-date-time", "must be an ISO 8601 date"),
  DV_TIME: lexical(isFlatTime, "invalid-date-time", "must be an ISO 8601 time"),
  DV_DURATION: lexical(isFlatDuration, "invalid-value", "must be an ISO 8601 duration"),
  DV_BOOLEAN: lexical(isFlatBoolean, "invalid-type", "must be a boolean"),
  CODE_PHRASE: checkCodePhrase,
  DV_IDENTIFIER: checkIdentifier,
};

/** CODE_PHRASE attributes EHRbase checks as RM invariants (Language_valid, Territory_valid, Encoding_valid). */
const CODE_PHRASE_SETS: Record<string, { terminology: string; codes: ReadonlySet<string> }> = {
  language: { terminology: "ISO_639-1", codes: ISO_639_1 },
  territory: { terminology: "ISO_3166-1", codes: ISO_3166_1 },
  encoding: { terminology: "IANA_character-sets", codes: IANA_CHARACTER_SETS },
};

function checkCodePhrase(pass: Pass, leaf: LeafInstance): void {
  const set = CODE_PHRASE_SETS[leaf.node.id];
  if (set === undefined) return;
  if (leaf.values.has("terminology") && String(leaf.values.get("terminology")) !== set.terminology)
    report(
      pass,
      keyOf(leaf, "terminology"),
      "code-not-in-value-set",
      `terminology must be ${set.terminology}`,
    );
  if (leaf.values.has("code") && !set.codes.has(String(leaf.values.get("code"))))
    report(pass, keyOf(leaf, "code"), "code-not-in-value-set", `code is not in ${set.terminology}`);
}

function bareOrValue(leaf: LeafInstance): [string, unknown] | undefined {
  if (leaf.values.has("")) return ["", leaf.values.get("")];
  if (leaf.values.has("value")) return ["value", leaf.values.get("value")];
  return undefined;
}

function checkLexical(
  pass: Pass,
  leaf: LeafInstance,
  test: (value: unknown) => boolean,
  code: FlatViolationCode,
  rule: string,
): void {
  const entry = bareOrValue(leaf);
  if (entry === undefined) return;
  if (!test(entry[1])) report(pass, keyOf(leaf, entry[0]), code, rule);
}

function inRange(value: number, range: WebTemplateInterval | undefined): boolean {
  if (range === undefined) return true;
  if (typeof range.min === "number" && (range.minOp === ">" ? value <= range.min : value < range.min))
    return false;
  if (typeof range.max === "number" && (range.maxOp === "<" ? value >= range.max : value > range.max))
    return false;
  return true;
}

function describeRange(range: WebTemplateInterval): string {
  const low = typeof range.min === "number" ? `${range.minOp === ">" ? ">" : ">="} ${range.min}` : "";
  const high = typeof range.max === "number" ? `${range.maxOp === "<" ? "<" : "<="} ${range.max}` : "";
  return [low, high].filter(Boolean).join(" and ");
}

function checkQuantity(pass: Pass, leaf: LeafInstance): void {
  const unitInput = leaf.node.inputs.get("unit");
  const units = unitInput?.list ?? [];
  const unitSuffix = leaf.values.has("unit") ? "unit" : leaf.values.has("units") ? "units" : undefined;
  const unit = unitSuffix === undefined ? undefined : leaf.values.get(unitSuffix);
  let unitItem = units.length === 1 ? units[0] : undefined;
  if (unitSuffix === undefined) {
    // EHRbase fills the unit only when the template allows exactly one.
    if (units.length !== 1) report(pass, keyOf(leaf, "unit"), "missing-required", "quantity needs |unit");
  } else if (units.length > 0) {
    unitItem = units.find((item) => item.value === String(unit));
    if (unitItem === undefined)
      report(pass, keyOf(leaf, unitSuffix), "unit-not-allowed", "unit is not one the template allows");
  }
  if (!leaf.values.has("magnitude")) {
    report(pass, keyOf(leaf, "magnitude"), "missing-required", "quantity needs |magnitude");
    return;
  }
  const magnitude = toNumber(leaf.values.get("magnitude"));
  if (magnitude === undefined) {
    report(pass, keyOf(leaf, "magnitude"), "invalid-type", "must be a number");
    return;
  }
  const range = unitItem?.validation?.range ?? leaf.node.inputs.get("magnitude")?.validation?.range;
  if (range !== undefined && !inRange(magnitude, range))
    report(pass, keyOf(leaf, "magnitude"), "out-of-range", `magnitude must be ${describeRange(range)}`);
}

function checkNumber(
  pass: Pass,
  leaf: LeafInstance,
  suffix: string,
  input: WebTemplateInput | undefined,
  integer: boolean,
): void {
  const raw = leaf.values.get(suffix);
  const value = integer ? toInteger(raw) : toNumber(raw);
  if (value === undefined) {
    report(pass, keyOf(leaf, suffix), "invalid-type", integer ? "must be an integer" : "must be a number");
    return;
  }
  const range = input?.validation?.range;
  if (range !== undefined && !inRange(value, range))
    report(pass, keyOf(leaf, suffix), "out-of-range", `must be ${describeRange(range)}`);
}

function checkCount(pass: Pass, leaf: LeafInstance): void {
  const suffix = leaf.values.has("") ? "" : leaf.values.has("magnitude") ? "magnitude" : undefined;
  if (suffix === undefined) return;
  checkNumber(pass, leaf, suffix, leaf.node.inputs.get(""), true);
}

function checkProportion(pass: Pass, leaf: LeafInstance): void {
  for (const suffix of ["numerator", "denominator"]) {
    if (leaf.values.has(suffix)) checkNumber(pass, leaf, suffix, leaf.node.inputs.get(suffix), false);
    else report(pass, keyOf(leaf, suffix), "missing-required", `proportion needs |${suffix}`);
  }
  if (leaf.values.has("type") && toInteger(leaf.values.get("type")) === undefined)
    report(pass, keyOf(leaf, "type"), "invalid-type", "must be an integer proportion kind");
}

/** Codes a coded node may take: the closed template list, or the openEHR groups EHRbase checks itself. */
function closedCodeList(leaf: LeafInstance): ReadonlyMap<string, string> | undefined {
  const input = leaf.node.inputs.get("code");
  const list = input?.list;
  if (list !== undefined && list.length > 0 && input?.listOpen !== true) {
    return new Map(list.map((item) => [item.value, item.label]));
  }
  const aqlPath = leaf.node.node.aqlPath;
  if (aqlPath === "/category") return OPENEHR_CATEGORY;
  if (aqlPath === "/context/setting") return OPENEHR_SETTING;
  if (leaf.node.id === "math_function" && aqlPath?.endsWith("/math_function")) return OPENEHR_MATH_FUNCTION;
  return undefined;
}

function checkCodedText(pass: Pass, leaf: LeafInstance): void {
  const codes = closedCodeList(leaf);
  const has = (suffix: string) => leaf.values.has(suffix);
  if (!has("code") && !has("") && !has("value") && !has("other")) {
    report(pass, keyOf(leaf, "code"), "missing-required", "coded text needs |code");
    return;
  }
  const terminology = leaf.node.inputs.get("code")?.terminology;
  if (
    terminology !== undefined &&
    has("terminology") &&
    String(leaf.values.get("terminology")) !== terminology
  )
    report(
      pass,
      keyOf(leaf, "terminology"),
      "code-not-in-value-set",
      "terminology differs from the template's",
    );
  if (codes === undefined) return;
  const openehrGroup = OPENEHR_GROUPS.has(codes) && !hasCodeList(leaf.node);
  if (has("code")) {
    const code = String(leaf.values.get("code"));
    if (!codes.has(code))
      report(pass, keyOf(leaf, "code"), "code-not-in-value-set", "code is not in the template's value set");
    else if (openehrGroup) checkOpenehrText(pass, leaf, codes, code);
    return;
  }
  // EHRbase reads a bare value (or |value alone) as a code first, then as a label.
  const suffix = has("") ? "" : "value";
  const text = String(leaf.values.get(suffix));
  if (!codes.has(text) && !hasLabel(codes, text))
    report(
      pass,
      keyOf(leaf, suffix),
      "code-not-in-value-set",
      "neither a code nor a label of the template's value set",
    );
}

const OPENEHR_GROUPS: ReadonlySet<ReadonlyMap<string, string>> = new Set([
  OPENEHR_CATEGORY,
  OPENEHR_SETTING,
  OPENEHR_MATH_FUNCTION,
]);

/** EHRbase's terminology check: an openEHR code's text must be its rubric in the composition's language. */
function checkOpenehrText(
  pass: Pass,
  leaf: LeafInstance,
  group: ReadonlyMap<string, string>,
  code: string,
): void {
  const expected = openehrRubric(group, code, pass.language);
  if (!leaf.values.has("value")) {
    // EHRbase fills no text where the template has no list (422 "value … existence 1..1").
    if (leaf.node.id === "category")
      report(pass, keyOf(leaf, "value"), "missing-required", "category needs |value");
    return;
  }
  if (String(leaf.values.get("value")) !== expected)
    report(
      pass,
      keyOf(leaf, "value"),
      "invalid-value",
      "text is not the openEHR terminology's rubric for this code in the composition's language",
    );
}

function checkText(pass: Pass, leaf: LeafInstance): void {
  const entry = bareOrValue(leaf);
  if (entry === undefined) return;
  const input = leaf.node.inputs.get("");
  const list = input?.list;
  if (list !== undefined && list.length > 0 && input?.listOpen !== true) {
    const text = String(entry[1]);
    if (!list.some((item) => item.value === text))
      report(
        pass,
        keyOf(leaf, entry[0]),
        "invalid-value",
        "text is not one of the values the template allows",
      );
  }
  const pattern = input?.validation?.pattern;
  if (pattern !== undefined && !matchesPattern(pattern, String(entry[1])))
    report(pass, keyOf(leaf, entry[0]), "invalid-value", "text does not match the template's pattern");
}

const patternCache = new Map<string, RegExp | null>();

function matchesPattern(pattern: string, text: string): boolean {
  let compiled = patternCache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${pattern})$`, "u");
    } catch {
      compiled = null; // a Java-only construct: leave it to the server
    }
    patternCache.set(pattern, compiled);
  }
  return compiled === null || compiled.test(text);
}

function checkOrdinal(pass: Pass, leaf: LeafInstance): void {
  const input = leaf.node.inputs.get("") ?? leaf.node.inputs.get("code");
  const list = input?.list ?? [];
  if (leaf.values.has("ordinal") && toInteger(leaf.values.get("ordinal")) === undefined)
    report(pass, keyOf(leaf, "ordinal"), "invalid-type", "must be an integer");
  if (list.length === 0) return;
  const suffix = leaf.values.has("code") ? "code" : leaf.values.has("") ? "" : undefined;
  if (suffix === undefined) {
    if (!leaf.values.has("ordinal") && !leaf.values.has("value"))
      report(pass, keyOf(leaf, "code"), "missing-required", "ordinal needs |code");
    return;
  }
  const code = String(leaf.values.get(suffix));
  if (!list.some((item) => item.value === code))
    report(pass, keyOf(leaf, suffix), "code-not-in-value-set", "code is not in the template's value set");
}
