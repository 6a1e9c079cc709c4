/**
 * Compiles a web template into a placement plan for the FLAT → canonical converter: for every node,
 * where its RM object or value goes below its parent's RM object (from the two AQL paths), which
 * structural objects the web template leaves out on the way (HISTORY, ITEM_TREE, a collapsed EVENT,
 * the ELEMENT around a value), and how to name them. Built once per template.
 */
import { type AqlStep, aqlSteps } from "./aql-path-segments.js";
import { type CodedName, codedNameOf, type OptNames, termOf } from "./opt-names.js";
import type { WebTemplate, WebTemplateNode } from "./web-template.js";

/** A node's name: text, plus the code when the OPT constrains the name to a coded text. */
export interface PlanName {
  readonly value: string;
  readonly coded: CodedName | undefined;
}

/** A structural RM object the web template does not list, shared by all nodes placed below it. */
export interface StructureStep {
  readonly attribute: string;
  readonly nodeId: string;
  readonly rmType: "HISTORY" | "ITEM_TREE" | "POINT_EVENT";
  readonly name: PlanName;
  readonly list: boolean;
  /** Identifies the object below one parent instance (steps with the same key are one object). */
  readonly key: string;
  /** Index of this object among its parent node's structural objects (set by the parent). */
  slot: number;
}

export type PlanKind = "object" | "value" | "unsupported";

export interface PlanNode {
  readonly id: string;
  readonly wt: WebTemplateNode;
  readonly rmType: string;
  readonly kind: PlanKind;
  /** Why the converter cannot build this node (kind `unsupported`). */
  readonly unsupported: string | undefined;
  readonly repeatable: boolean;
  /** -1 = unbounded. */
  readonly max: number;
  /** Position among the parent's children (template order = output order). */
  readonly order: number;
  readonly children: ReadonlyMap<string, PlanNode>;
  readonly childList: readonly PlanNode[];
  /** Structural objects between the parent's RM object and this node. */
  readonly via: readonly StructureStep[];
  /** Value nodes kept in their own ELEMENT (`…/items[at0004]/value`). */
  readonly element:
    | { readonly attribute: string; readonly nodeId: string; readonly name: PlanName }
    | undefined;
  /** RM attribute this node's object or value is set on (after `via` and `element`). */
  readonly attribute: string;
  /** The attribute holds a list (content, items, events …). */
  readonly list: boolean;
  readonly name: PlanName;
  readonly nodeId: string | undefined;
  /** nodeId is an archetype id (the object carries archetype_details). */
  readonly archetyped: boolean;
  /** How many distinct structural objects this node's children create below it. */
  readonly structureSlots: number;
}

export interface CanonicalPlan {
  readonly templateId: string;
  readonly defaultLanguage: string;
  readonly root: PlanNode;
}

/** Names EHRbase takes from the OPT for structural nodes; the web template does not carry them. */
export interface StructureNames {
  readonly history: string;
  readonly itemTree: string;
  readonly event: string;
}

export const DEFAULT_STRUCTURE_NAMES: StructureNames = {
  history: "History",
  itemTree: "Tree",
  event: "Any event",
};

const LIST_ATTRIBUTES = new Set(["content", "items", "events", "activities", "participations"]);
const OBJECT_TYPES = new Set([
  "COMPOSITION",
  "EVENT_CONTEXT",
  "SECTION",
  "OBSERVATION",
  "EVALUATION",
  "ADMIN_ENTRY",
  "EVENT",
  "POINT_EVENT",
  "INTERVAL_EVENT",
  "CLUSTER",
  "ELEMENT",
  "ITEM_TREE",
  "HISTORY",
]);
const VALUE_TYPES = new Set(["CODE_PHRASE", "PARTY_PROXY", "PARTY_IDENTIFIED", "PARTY_SELF", "STRING"]);

interface Naming {
  readonly defaults: StructureNames;
  readonly opt: OptNames | undefined;
  /** Collects the OPT names the plan used (canonicalNamesUsed). */
  readonly used: { terms: Record<string, string>; coded: Record<string, CodedName[]> } | undefined;
}

export function compilePlan(
  webTemplate: WebTemplate,
  defaults: StructureNames = DEFAULT_STRUCTURE_NAMES,
  opt?: OptNames,
  used?: Naming["used"],
): CanonicalPlan {
  const tree = webTemplate?.tree;
  if (!tree || typeof tree.id !== "string" || tree.rmType !== "COMPOSITION")
    throw new TypeError("compileCanonicalConverter: webTemplate.tree must be a COMPOSITION node with an id");
  if (typeof webTemplate.templateId !== "string" || webTemplate.templateId === "")
    throw new TypeError("compileCanonicalConverter: webTemplate.templateId is missing");
  const root = buildNode(tree, undefined, [], 0, { defaults, opt, used }, tree.nodeId ?? "");
  return { templateId: webTemplate.templateId, defaultLanguage: webTemplate.defaultLanguage ?? "en", root };
}

function kindOf(rmType: string): PlanKind {
  if (OBJECT_TYPES.has(rmType)) return "object";
  if (rmType.startsWith("DV_") || VALUE_TYPES.has(rmType)) return "value";
  return "unsupported";
}

function structureType(owner: string, attribute: string): StructureStep["rmType"] | undefined {
  if (owner === "OBSERVATION" && (attribute === "data" || attribute === "state")) return "HISTORY";
  if (owner === "HISTORY" && attribute === "events") return "POINT_EVENT";
  if (attribute === "items" || attribute === "events" || attribute === "content") return undefined;
  return "ITEM_TREE";
}

function buildNode(
  node: WebTemplateNode,
  parent: { rmType: string; steps: readonly AqlStep[] } | undefined,
  parentSteps: readonly AqlStep[],
  order: number,
  naming: Naming,
  parentArchetype: string,
): PlanNode {
  const nodeId = node.nodeId;
  const archetyped = typeof nodeId === "string" && nodeId.startsWith("openEHR-");
  const archetype = archetyped ? (nodeId as string) : parentArchetype;
  const nameOf = (code: string, value: string): PlanName => {
    const coded = naming.opt && codedNameOf(naming.opt, archetype, code, value);
    if (coded !== undefined && naming.used !== undefined) {
      const key = `${archetype}|${code}`;
      naming.used.coded[key] = naming.opt?.coded[key] as CodedName[];
      naming.used.terms[`${archetype}|${coded.code}`] = value;
    }
    return { value, coded };
  };
  const term = (code: string): string | undefined => {
    const text = naming.opt && termOf(naming.opt, archetype, code);
    if (text !== undefined && naming.used !== undefined) naming.used.terms[`${archetype}|${code}`] = text;
    return text;
  };
  const steps = parent === undefined ? [] : aqlSteps(node.aqlPath ?? "");
  let kind = kindOf(node.rmType);
  let unsupported: string | undefined =
    kind === "unsupported" ? `RM type ${node.rmType} is not supported by the canonical converter` : undefined;
  const via: StructureStep[] = [];
  let element: PlanNode["element"];
  let attribute = "";
  if (parent !== undefined) {
    const relative = steps.slice(parentSteps.length);
    const prefixMatches =
      relative.length > 0 && parentSteps.every((step, i) => sameStep(step, steps[i] as AqlStep));
    if (!prefixMatches) {
      kind = "unsupported";
      unsupported = `aqlPath '${node.aqlPath}' does not extend its parent's path`;
    } else {
      const last = relative[relative.length - 1] as AqlStep;
      attribute = last.attribute;
      let structural = relative.slice(0, -1);
      if (kind === "value" && last.attribute === "value" && structural.length > 0) {
        const holder = structural[structural.length - 1] as AqlStep;
        if (holder.nodeId !== undefined) {
          const name = nameOf(holder.nodeId, holder.name ?? node.name);
          element = { attribute: holder.attribute, nodeId: holder.nodeId, name };
          structural = structural.slice(0, -1);
        }
      }
      let owner = parent.rmType;
      for (const step of structural) {
        const rmType = structureType(owner, step.attribute);
        if (rmType === undefined || step.nodeId === undefined) {
          kind = "unsupported";
          unsupported = `aqlPath '${node.aqlPath}' passes through '${step.attribute}' objects the web template does not describe`;
          break;
        }
        const fallback =
          rmType === "HISTORY"
            ? naming.defaults.history
            : rmType === "POINT_EVENT"
              ? naming.defaults.event
              : naming.defaults.itemTree;
        const name = nameOf(step.nodeId, step.name ?? term(step.nodeId) ?? fallback);
        const key = `${via.length > 0 ? (via[via.length - 1] as StructureStep).key : ""}/${step.attribute}[${step.nodeId},${step.name ?? ""}]`;
        const list = LIST_ATTRIBUTES.has(step.attribute);
        via.push({ attribute: step.attribute, nodeId: step.nodeId, rmType, name, list, key, slot: -1 });
        owner = rmType === "POINT_EVENT" ? "EVENT" : rmType;
      }
    }
  }
  const childList: PlanNode[] = [];
  const children = new Map<string, PlanNode>();
  const self = { rmType: node.rmType, steps };
  (node.children ?? []).forEach((child, i) => {
    const built = buildNode(child, self, steps, i, naming, archetype);
    childList.push(built);
    children.set(child.id, built);
  });
  // Number the structural objects below this node once, so emitting indexes an array, not a map.
  const slots = new Map<string, number>();
  for (const child of childList) {
    for (const step of child.via) {
      let slot = slots.get(step.key);
      if (slot === undefined) {
        slot = slots.size;
        slots.set(step.key, slot);
      }
      step.slot = slot;
    }
  }
  return {
    id: node.id,
    wt: node,
    rmType: node.rmType,
    kind,
    unsupported,
    repeatable: node.max !== 1,
    max: typeof node.max === "number" ? node.max : -1,
    order,
    children,
    childList,
    via,
    element,
    attribute,
    list: LIST_ATTRIBUTES.has(attribute),
    name: nameOf(archetyped ? "at0000" : (nodeId ?? ""), node.name),
    nodeId,
    archetyped,
    structureSlots: slots.size,
  };
}

function sameStep(a: AqlStep, b: AqlStep): boolean {
  return a.attribute === b.attribute && a.nodeId === b.nodeId && a.name === b.name;
}
