/**
 * Indexes a web template into the FLAT paths it accepts: which node each segment names, whether the
 * segment takes a `:n` index, which `|suffix`es a leaf takes, and which RM attributes outside the
 * template (`_uid`, `_feeder_audit/…`, `context/_end_time` …) may hang below it.
 * Built once per web-template object (WeakMap cache) so per-composition validation stays a linear pass.
 */
import { type RmAttributeSpec, rmAttributesFor } from "./rm-attributes.js";
import type { WebTemplate, WebTemplateInput, WebTemplateNode } from "./web-template.js";

export interface FlatPathNode {
  readonly node: WebTemplateNode;
  readonly id: string;
  readonly rmType: string;
  readonly min: number;
  /** -1 = unbounded. */
  readonly max: number;
  /** FLAT writes `id:n` for this node (max ≠ 1); an omitted index means `:0`. */
  readonly repeatable: boolean;
  /** Path pattern with `:n` placeholders, e.g. `vitals/vital_signs:n/blood_pressure:n/any_event:n/systolic`. */
  readonly pattern: string;
  readonly parent: FlatPathNode | undefined;
  readonly children: ReadonlyMap<string, FlatPathNode>;
  /** Children with min ≥ 1, in template order (checked for every instance, so precomputed). */
  readonly requiredChildren: readonly FlatPathNode[];
  /** Allowed `|suffix` values (`""` = bare key); undefined when the RM type is not modelled (anything goes). */
  readonly suffixes: ReadonlySet<string> | undefined;
  /** Web-template inputs by suffix (`""` for the bare input). */
  readonly inputs: ReadonlyMap<string, WebTemplateInput>;
  /** RM attributes outside the template that FLAT accepts below this node. */
  readonly rmAttributes: ReadonlyMap<string, RmAttributeSpec>;
  /** True when the node carries a data value (has inputs or is a DV_/CODE_PHRASE/PARTY type). */
  readonly isLeaf: boolean;
}

export interface FlatPathIndex {
  readonly templateId: string;
  readonly root: FlatPathNode;
  /** Every node by its path pattern. */
  readonly byPattern: ReadonlyMap<string, FlatPathNode>;
}

/** Suffixes EHRbase's FLAT unmarshaller reads per RM type (`""` = bare key). */
const SUFFIXES_BY_RM_TYPE: Record<string, readonly string[]> = {
  DV_TEXT: ["", "value", "formatting"],
  DV_CODED_TEXT: ["", "code", "value", "terminology", "formatting", "preferred_term", "other"],
  CODE_PHRASE: ["", "code", "terminology", "value", "preferred_term"],
  DV_QUANTITY: [
    "",
    "magnitude",
    "unit",
    "units",
    "precision",
    "normal_status",
    "units_system",
    "units_display_name",
    "accuracy",
    "accuracy_is_percent",
    "magnitude_status",
  ],
  DV_COUNT: ["", "magnitude", "accuracy", "accuracy_is_percent", "magnitude_status", "normal_status"],
  DV_PROPORTION: ["", "numerator", "denominator", "type", "precision", "normal_status"],
  DV_ORDINAL: ["", "code", "value", "ordinal", "terminology", "normal_status"],
  DV_SCALE: ["", "code", "value", "ordinal", "terminology", "normal_status"],
  DV_BOOLEAN: ["", "value"],
  DV_DATE_TIME: ["", "value", "magnitude_status", "accuracy", "normal_status"],
  DV_DATE: ["", "value", "magnitude_status", "accuracy", "normal_status"],
  DV_TIME: ["", "value", "magnitude_status", "accuracy", "normal_status"],
  DV_DURATION: ["", "value", "magnitude_status", "accuracy", "normal_status"],
  DV_IDENTIFIER: ["", "id", "issuer", "assigner", "type"],
  DV_URI: ["", "value"],
  DV_EHR_URI: ["", "value"],
  DV_PARSABLE: ["", "value", "formalism"],
  DV_MULTIMEDIA: ["", "mediatype", "size", "alternatetext", "url", "uri", "value"],
  DV_STATE: ["", "code", "value", "terminology", "is_terminal"],
  PARTY_PROXY: ["", "name", "id", "id_scheme", "id_namespace", "type"],
  PARTY_IDENTIFIED: ["", "name", "id", "id_scheme", "id_namespace", "type"],
  PARTY_SELF: ["", "id", "id_scheme", "id_namespace", "type"],
  STRING: [""],
  BOOLEAN: [""],
  INTEGER: [""],
};

const cache = new WeakMap<WebTemplate, FlatPathIndex>();

/** Returns the (cached) path index of a web template. Treat the web template as immutable afterwards. */
export function indexWebTemplate(webTemplate: WebTemplate): FlatPathIndex {
  const cached = cache.get(webTemplate);
  if (cached) return cached;
  const tree = webTemplate?.tree;
  if (!tree || typeof tree.id !== "string")
    throw new TypeError("indexWebTemplate: webTemplate.tree.id is missing");
  const byPattern = new Map<string, FlatPathNode>();
  const root = buildNode(tree, undefined, tree.id, byPattern);
  const index: FlatPathIndex = { templateId: webTemplate.templateId, root, byPattern };
  cache.set(webTemplate, index);
  return index;
}

function buildNode(
  node: WebTemplateNode,
  parent: FlatPathNode | undefined,
  pattern: string,
  byPattern: Map<string, FlatPathNode>,
): FlatPathNode {
  const children = new Map<string, FlatPathNode>();
  const requiredChildren: FlatPathNode[] = [];
  const inputs = new Map<string, WebTemplateInput>();
  for (const input of node.inputs ?? []) inputs.set(input.suffix ?? "", input);
  const templateChildren = node.children ?? [];
  const collapsedEvent = templateChildren.some(
    (child) => child.id === "time" && child.rmType === "DV_DATE_TIME",
  );
  const known = SUFFIXES_BY_RM_TYPE[node.rmType];
  const isLeaf = inputs.size > 0 || known !== undefined;
  let suffixes: Set<string> | undefined;
  if (known) suffixes = new Set([...known, ...inputs.keys()]);
  else if (inputs.size > 0) suffixes = new Set(["", ...inputs.keys()]);
  const result: FlatPathNode = {
    node,
    id: node.id,
    rmType: node.rmType,
    min: typeof node.min === "number" ? node.min : 0,
    max: typeof node.max === "number" ? node.max : -1,
    repeatable: node.max !== 1,
    pattern,
    parent,
    children,
    requiredChildren,
    suffixes,
    inputs,
    rmAttributes: rmAttributesFor(node.rmType, collapsedEvent),
    isLeaf,
  };
  byPattern.set(pattern, result);
  for (const child of templateChildren) {
    const childPattern = `${pattern}/${child.id}${child.max !== 1 ? ":n" : ""}`;
    const built = buildNode(child, result, childPattern, byPattern);
    children.set(child.id, built);
    if (built.min >= 1) requiredChildren.push(built);
  }
  return result;
}

export interface FlatKeySegment {
  readonly name: string;
  /** Index written after `:`; undefined when absent; NaN when not a non-negative integer. */
  readonly index: number | undefined;
}

export interface ParsedFlatKey {
  readonly segments: FlatKeySegment[];
  /** Text after `|` on the last segment; `""` for a bare key. */
  readonly suffix: string;
  /** False when `|` appears before the last segment or the key has empty segments. */
  readonly wellFormed: boolean;
}

/** Splits a FLAT key into `/` segments with optional `:n` index and the trailing `|suffix`. */
export function parseFlatKey(key: string): ParsedFlatKey {
  const bar = key.indexOf("|");
  const path = bar === -1 ? key : key.slice(0, bar);
  const suffix = bar === -1 ? "" : key.slice(bar + 1);
  const parts = path.split("/");
  const segments: FlatKeySegment[] = [];
  let wellFormed = !suffix.includes("/") && !suffix.includes("|") && (bar === -1 || suffix.length > 0);
  for (const part of parts) {
    const colon = part.lastIndexOf(":");
    if (colon === -1) {
      segments.push({ name: part, index: undefined });
    } else {
      const digits = part.slice(colon + 1);
      const index = /^[0-9]{1,9}$/.test(digits) ? Number(digits) : Number.NaN;
      segments.push({ name: part.slice(0, colon), index });
    }
    if (part.length === 0) wellFormed = false;
  }
  return { segments, suffix, wellFormed };
}
