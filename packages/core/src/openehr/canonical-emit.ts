/**
 * Emits the canonical COMPOSITION from the instance tree a FLAT composition filled in: objects in
 * template order, structural objects created on the way, and the RM attributes EHRbase's FLAT
 * unmarshaller fills by default (language, encoding, subject, times, category, setting, composer).
 */
import type { FlatContext } from "./canonical-context.js";
import type { CanonicalPlan, PlanName, PlanNode, StructureStep } from "./canonical-plan.js";
import {
  type AttributeGroups,
  applyContextAttributes,
  applyLocatableAttributes,
} from "./canonical-rm-attributes.js";
import {
  codedText,
  codePhrase,
  type LeafValues,
  party,
  type ValueDefaults,
  valueBuilder,
} from "./canonical-values.js";
import { FlatConversionError } from "./flat-conversion-error.js";
import { OPENEHR_CATEGORY, OPENEHR_SETTING, openehrRubric } from "./openehr-terminology.js";
import type { Composition } from "./rm-types.js";

/** One instance of a web-template node in the FLAT being converted. */
export interface Instance {
  readonly node: PlanNode;
  /** Concrete FLAT path (errors name it). */
  readonly path: string;
  /** Child instances by child order, then occurrence index (sparse). */
  kids: (Instance[] | undefined)[] | undefined;
  /** Leaf values by suffix. */
  values: LeafValues | undefined;
  /** RM attributes outside the template (`_uid`, `_feeder_audit/…`). */
  groups: AttributeGroups | undefined;
}

type RmObject = Record<string, unknown>;

interface EmitState {
  readonly plan: CanonicalPlan;
  readonly ctx: FlatContext;
  readonly defaults: ValueDefaults;
  /** Language of entries without their own (`ctx/language`, else the template's default). */
  readonly entryLanguage: string;
}

const RM_VERSION = "1.0.4";
const ENTRY_TYPES = new Set(["OBSERVATION", "EVALUATION", "ADMIN_ENTRY"]);

export function emitComposition(plan: CanonicalPlan, root: Instance, ctx: FlatContext): Composition {
  const rootLanguage = childValues(root, "language")?.code;
  const language = typeof rootLanguage === "string" ? rootLanguage : (ctx.language ?? plan.defaultLanguage);
  const state: EmitState = {
    plan,
    ctx,
    defaults: { language, idScheme: ctx.id_scheme, idNamespace: ctx.id_namespace },
    entryLanguage: ctx.language ?? plan.defaultLanguage,
  };
  return emitObject(root, state) as unknown as Composition;
}

function childValues(instance: Instance, id: string): LeafValues | undefined {
  const child = instance.node.children.get(id);
  if (child === undefined) return undefined;
  return instance.kids?.[child.order]?.[0]?.values;
}

function nameValue(name: PlanName): RmObject {
  if (name.coded === undefined) return { _type: "DV_TEXT", value: name.value };
  return codedText(name.coded.terminology, name.coded.code, name.value) as unknown as RmObject;
}

function header(type: string, name: PlanName, nodeId: string): RmObject {
  // HISTORY is the only type OBSERVATION.data can hold: EHRbase writes no _type for it.
  const object: RmObject = type === "HISTORY" ? {} : { _type: type };
  object.name = nameValue(name);
  object.archetype_node_id = nodeId;
  return object;
}

function archetypeDetails(archetypeId: string, templateId?: string): RmObject {
  // Monomorphic attributes: EHRbase writes no _type here.
  const details: RmObject = { archetype_id: { value: archetypeId } };
  if (templateId !== undefined) details.template_id = { value: templateId };
  details.rm_version = RM_VERSION;
  return details;
}

function place(target: RmObject, attribute: string, list: boolean, value: unknown): void {
  if (list) {
    const items = target[attribute] as unknown[] | undefined;
    if (items === undefined) target[attribute] = [value];
    else items.push(value);
  } else {
    target[attribute] = value;
  }
}

function objectType(instance: Instance): string {
  const type = instance.node.rmType;
  if (type !== "EVENT") return type;
  return hasChild(instance, "width") || hasChild(instance, "math_function")
    ? "INTERVAL_EVENT"
    : "POINT_EVENT";
}

function hasChild(instance: Instance, id: string): boolean {
  const child = instance.node.children.get(id);
  return child !== undefined && instance.kids?.[child.order] !== undefined;
}

function emitObject(instance: Instance, state: EmitState): RmObject {
  const node = instance.node;
  const type = objectType(instance);
  let object: RmObject;
  if (type === "EVENT_CONTEXT") object = { _type: "EVENT_CONTEXT" };
  else {
    object = header(type, node.name, node.nodeId ?? "");
    if (node.archetyped)
      object.archetype_details = archetypeDetails(
        node.nodeId as string,
        type === "COMPOSITION" ? state.plan.templateId : undefined,
      );
  }
  // Structural objects (HISTORY, ITEM_TREE, a folded EVENT) shared by the children placed below them.
  let structures: (RmObject | undefined)[] | undefined;
  const kids = instance.kids;
  if (kids !== undefined) {
    const children = node.childList;
    for (let c = 0; c < children.length; c++) {
      const occurrences = kids[c];
      if (occurrences === undefined) continue;
      const child = children[c] as PlanNode;
      for (let o = 0; o < occurrences.length; o++) {
        const occurrence = occurrences[o];
        if (occurrence === undefined) continue;
        let target = object;
        for (let s = 0; s < child.via.length; s++) {
          structures ??= new Array(node.structureSlots);
          target = structure(target, child.via[s] as StructureStep, structures);
        }
        if (child.kind === "value") {
          const value = buildValue(occurrence, state);
          if (child.element === undefined) place(target, child.attribute, child.list, value);
          else {
            const element: RmObject = {
              _type: "ELEMENT",
              name: nameValue(child.element.name),
              archetype_node_id: child.element.nodeId,
              value,
            };
            place(target, child.element.attribute, true, element);
          }
        } else {
          place(target, child.attribute, child.list, emitObject(occurrence, state));
        }
      }
    }
  }
  if (instance.groups !== undefined) {
    if (type === "EVENT_CONTEXT") applyContextAttributes(object, instance.groups, state.defaults);
    else applyLocatableAttributes(object, instance.groups, type === "COMPOSITION");
  }
  if (structures !== undefined) completeStructures(structures, state, instance.path);
  completeObject(object, type, instance, state);
  return object;
}

function structure(parent: RmObject, step: StructureStep, structures: (RmObject | undefined)[]): RmObject {
  let object = structures[step.slot];
  if (object === undefined) {
    object = header(step.rmType, step.name, step.nodeId);
    structures[step.slot] = object;
    place(parent, step.attribute, step.list, object);
  }
  return object;
}

function buildValue(instance: Instance, state: EmitState): unknown {
  const node = instance.node;
  if (instance.groups !== undefined) {
    const [first] = instance.groups.values();
    throw new FlatConversionError(first?.key ?? instance.path, "attribute is not supported on a value");
  }
  const build = valueBuilder(node.rmType);
  if (build === undefined)
    throw new FlatConversionError(
      instance.path,
      `RM type ${node.rmType} is not supported by the canonical converter`,
    );
  return build(instance.values ?? {}, instance.path, node.wt, state.defaults);
}

/**
 * Histories get their origin, and events without a time get that origin, as EHRbase's FLAT
 * unmarshaller does (observed on 2.16): the first event given a time sets the origin, else
 * `ctx/history_origin`, else `ctx/time`.
 */
function completeStructures(structures: (RmObject | undefined)[], state: EmitState, path: string): void {
  for (let i = 0; i < structures.length; i++) {
    const object = structures[i];
    // HISTORY is the structure written without a _type.
    if (object !== undefined && object._type === undefined) completeHistory(object, state, path);
  }
}

function completeHistory(history: RmObject, state: EmitState, path: string): void {
  const events = (history.events as RmObject[] | undefined) ?? [];
  let origin = (history.origin as { value: string } | undefined)?.value;
  if (origin === undefined) {
    for (const event of events) {
      const time = event.time as { value: string } | undefined;
      if (time !== undefined) {
        origin = time.value;
        break;
      }
    }
    origin ??= state.ctx.history_origin ?? state.ctx.time;
    if (origin === undefined)
      throw new FlatConversionError(`${path}/time`, "is required (or ctx/time as its default)");
    history.origin = { _type: "DV_DATE_TIME", value: origin };
  }
  for (const event of events) event.time ??= { _type: "DV_DATE_TIME", value: origin };
}

function completeObject(object: RmObject, type: string, instance: Instance, state: EmitState): void {
  if (type === "COMPOSITION") completeComposition(object, instance, state);
  else if (type === "EVENT_CONTEXT") completeContext(object, instance, state);
  else if (ENTRY_TYPES.has(type)) {
    object.language ??= codePhrase("ISO_639-1", state.entryLanguage);
    object.encoding ??= codePhrase("IANA_character-sets", "UTF-8");
    object.subject ??= { _type: "PARTY_SELF" };
    if (type === "OBSERVATION" && object.data === undefined)
      throw new FlatConversionError(instance.path, "an observation needs at least one event with data");
  }
}

function completeComposition(object: RmObject, instance: Instance, state: EmitState): void {
  const { ctx, defaults } = state;
  const root = instance.path;
  object.language ??= codePhrase("ISO_639-1", defaults.language);
  if (object.territory === undefined) {
    if (ctx.territory === undefined)
      throw new FlatConversionError("ctx/territory", `is required (or ${root}/territory|code)`);
    object.territory = codePhrase("ISO_3166-1", ctx.territory);
  }
  object.category ??= codedText(
    "openehr",
    "433",
    openehrRubric(OPENEHR_CATEGORY, "433", defaults.language) ?? "event",
  );
  if (object.composer === undefined) {
    if (ctx.composer_self === true) object.composer = { _type: "PARTY_SELF" };
    else if (ctx.composer_name === undefined && ctx.composer_id === undefined)
      throw new FlatConversionError("ctx/composer_name", `is required (or ${root}/composer|name)`);
    else object.composer = party({ name: ctx.composer_name, id: ctx.composer_id }, "ctx/composer", defaults);
  }
  const contextNode = instance.node.children.get("context");
  if (object.context === undefined && contextNode !== undefined) {
    const empty: Instance = {
      node: contextNode,
      path: `${root}/context`,
      kids: undefined,
      values: undefined,
      groups: undefined,
    };
    object.context = emitObject(empty, state);
  }
}

function completeContext(context: RmObject, instance: Instance, state: EmitState): void {
  const { ctx, defaults } = state;
  if (context.start_time === undefined) {
    if (ctx.time === undefined)
      throw new FlatConversionError("ctx/time", `is required (or ${instance.path}/start_time)`);
    context.start_time = { _type: "DV_DATE_TIME", value: ctx.time };
  }
  if (context.setting === undefined) {
    const code = ctx.setting ?? "238";
    const rubric = openehrRubric(OPENEHR_SETTING, code, defaults.language);
    if (rubric === undefined) throw new FlatConversionError("ctx/setting", "is not an openEHR setting code");
    context.setting = codedText("openehr", code, rubric);
  }
  if (context.end_time === undefined && ctx.end_time !== undefined)
    context.end_time = { _type: "DV_DATE_TIME", value: ctx.end_time };
  if (context.location === undefined && ctx.location !== undefined) context.location = ctx.location;
  if (
    context.health_care_facility === undefined &&
    (ctx.facility_name !== undefined || ctx.facility_id !== undefined)
  )
    context.health_care_facility = party(
      { name: ctx.facility_name, id: ctx.facility_id },
      "ctx/health_care_facility",
      defaults,
    );
}
