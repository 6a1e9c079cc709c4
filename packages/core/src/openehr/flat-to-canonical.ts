/**
 * FLAT (simSDT) → canonical openEHR JSON, driven by the web template: the COMPOSITION EHRbase's own
 * FLAT unmarshaller builds from the same input (names, archetype node ids, archetype_details,
 * `_type`s, DV_* values, context, feeder audit, uid). Pure; runs in Node, Deno and browsers.
 *
 * `compileCanonicalConverter(webTemplate)` does the per-template work once (placement plan, and a
 * cache of resolved keys: a mapper emits the same keys for every note); `flatToCanonical` is the
 * one-shot form. Keys the converter does not support are refused with a FlatConversionError naming
 * the key, never dropped. docs/canonical.md lists what is supported.
 */
import type { FlatContext } from "./canonical-context.js";
import { contextField, setContextValue } from "./canonical-context.js";
import { emitComposition, type Instance } from "./canonical-emit.js";
import { type CanonicalPlan, compilePlan, type PlanNode, type StructureNames } from "./canonical-plan.js";
import { type AttributeTarget, attributeTarget } from "./canonical-rm-attributes.js";
import { type LeafValues, leafSuffixes, valueBuilder } from "./canonical-values.js";
import { FlatConversionError } from "./flat-conversion-error.js";
import { parseFlatKey } from "./flat-paths.js";
import { type CodedName, type OptNames, optNames } from "./opt-names.js";
import type { Composition } from "./rm-types.js";
import type { WebTemplate } from "./web-template.js";

export type { StructureNames } from "./canonical-plan.js";
export { FlatConversionError } from "./flat-conversion-error.js";

export interface CanonicalConverterOptions {
  /**
   * Names of the structural objects the web template does not describe (HISTORY, ITEM_TREE, an
   * event folded into its observation). EHRbase takes them from the OPT; default History / Tree /
   * Any event. They do not show in FLAT, and EHRbase does not check them unless the OPT constrains them.
   */
  structureNames?: StructureNames;
  /**
   * The template's OPT XML. With it, structural nodes get their archetype names and nodes whose
   * name the OPT constrains to a coded text (e.g. pulse.v1 "Pulse Rate") get that DV_CODED_TEXT,
   * which EHRbase requires. Without it such templates are answered 422 by EHRbase.
   */
  opt?: string;
  /**
   * The same names without the OPT: `optNames(opt)`, or the subset `canonicalNamesUsed` keeps
   * (e.g. `SOAP_CANONICAL_NAMES` for the shipped template). Ignored when `opt` is given.
   */
  names?: OptNames;
}

/** Converts FLAT compositions of one template; compile once, call many times. */
export type CanonicalConverter = (flat: Readonly<Record<string, unknown>>) => Composition;

interface InstanceStep {
  readonly node: PlanNode;
  readonly index: number;
  /** Concrete instance path, e.g. `soap_note/objective/blood_pressure/any_event:0`. */
  readonly path: string;
}

type ResolvedKey =
  | { readonly kind: "ctx"; readonly field: keyof FlatContext }
  | {
      readonly kind: "leaf";
      readonly steps: readonly InstanceStep[];
      readonly suffix: string;
      /** Every suffix of the leaf's type, unset: copying it gives all leaves of a type one shape. */
      readonly blank: LeafValues;
    }
  | {
      readonly kind: "attribute";
      readonly steps: readonly InstanceStep[];
      readonly suffix: string;
      readonly target: AttributeTarget;
      readonly group: string;
    };

/** Highest `:n` the converter accepts (far above any real composition). */
const MAX_INDEX = 9_999;
/** Keys with ever-new indices must not grow the cache without limit. */
const MAX_CACHED_KEYS = 50_000;

export function compileCanonicalConverter(
  webTemplate: WebTemplate,
  options: CanonicalConverterOptions = {},
): CanonicalConverter {
  const plan = compilePlan(
    webTemplate,
    options.structureNames,
    options.opt === undefined ? options.names : optNames(options.opt),
  );
  let keys = new Map<string, ResolvedKey>();
  let owners = new Map<string, readonly InstanceStep[]>();
  const sequenceKeys: string[] = [];
  const sequenceResolved: ResolvedKey[] = [];
  return (flat) => {
    if (flat === null || typeof flat !== "object" || Array.isArray(flat))
      throw new TypeError("flatToCanonical: flat must be an object of FLAT key → value");
    const ctx: FlatContext = {};
    const root: Instance = {
      node: plan.root,
      path: plan.root.id,
      kids: undefined,
      values: undefined,
      groups: undefined,
    };
    let lastSteps: readonly InstanceStep[] | undefined;
    let lastOwner = root;
    let position = 0;
    // Object.keys beats for…in here: mappers' FLATs are dictionary-mode objects (many keyed stores).
    const flatKeys = Object.keys(flat);
    for (let k = 0; k < flatKeys.length; k++) {
      const key = flatKeys[k] as string;
      const value = flat[key];
      if (value === undefined) continue;
      // A mapper writes the same keys in the same order for every note: compare with the key seen
      // at this position last time (usually the same string object) before hashing into the cache.
      let resolved: ResolvedKey | undefined;
      if (sequenceKeys[position] === key) resolved = sequenceResolved[position];
      else {
        resolved = keys.get(key);
        if (resolved === undefined) {
          resolved = resolveKey(plan, key, owners);
          if (keys.size >= MAX_CACHED_KEYS) {
            keys = new Map();
            owners = new Map();
          }
          keys.set(key, resolved);
        }
        sequenceKeys[position] = key;
        sequenceResolved[position] = resolved;
      }
      position++;
      if (resolved === undefined) continue; // unreachable: both arrays are written together
      if (resolved.kind === "ctx") {
        setContextValue(ctx, resolved.field, key, value);
        continue;
      }
      // Keys of one leaf or attribute group come together and share their (interned) steps.
      if (resolved.steps !== lastSteps) {
        lastSteps = resolved.steps;
        lastOwner = instanceAt(root, lastSteps);
      }
      const owner = lastOwner;
      if (resolved.kind === "leaf") {
        owner.values ??= { ...resolved.blank };
        owner.values[resolved.suffix] = value;
      } else {
        owner.groups ??= new Map();
        let group = owner.groups.get(resolved.group);
        if (group === undefined) {
          group = { target: resolved.target, values: {}, key: `${owner.path}/${resolved.group}` };
          owner.groups.set(resolved.group, group);
        }
        group.values[resolved.suffix] = value;
      }
    }
    return emitComposition(plan, root, ctx);
  };
}

/**
 * The part of a template's OPT names the converter uses for this web template: small enough to ship
 * with an application instead of the OPT, and equivalent to passing the OPT.
 */
export function canonicalNamesUsed(webTemplate: WebTemplate, names: OptNames): OptNames {
  const used: { terms: Record<string, string>; coded: Record<string, CodedName[]> } = {
    terms: {},
    coded: {},
  };
  compilePlan(webTemplate, undefined, names, used);
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { terms: sorted(used.terms), coded: sorted(used.coded) };
}

/** One-shot conversion; prefer compileCanonicalConverter when converting many compositions. */
export function flatToCanonical(
  flat: Readonly<Record<string, unknown>>,
  webTemplate: WebTemplate,
): Composition {
  let converter = oneShot.get(webTemplate);
  if (converter === undefined) {
    converter = compileCanonicalConverter(webTemplate);
    oneShot.set(webTemplate, converter);
  }
  return converter(flat);
}

const oneShot = new WeakMap<WebTemplate, CanonicalConverter>();

function instanceAt(root: Instance, steps: readonly InstanceStep[]): Instance {
  let instance = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as InstanceStep;
    instance.kids ??= [];
    let occurrences = instance.kids[step.node.order];
    if (occurrences === undefined) {
      occurrences = [];
      instance.kids[step.node.order] = occurrences;
    }
    let child = occurrences[step.index];
    if (child === undefined) {
      child = { node: step.node, path: step.path, kids: undefined, values: undefined, groups: undefined };
      occurrences[step.index] = child;
    }
    instance = child;
  }
  return instance;
}

function resolveKey(
  plan: CanonicalPlan,
  key: string,
  owners: Map<string, readonly InstanceStep[]>,
): ResolvedKey {
  if (key.startsWith("ctx/")) return { kind: "ctx", field: contextField(key) };
  const { segments, suffix, wellFormed } = parseFlatKey(key);
  const first = segments[0];
  if (!wellFormed || first === undefined || first.name !== plan.root.id || (first.index ?? 0) !== 0)
    throw new FlatConversionError(key, "path is not in the web template");
  const steps: InstanceStep[] = [];
  let node = plan.root;
  let path = node.id;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as (typeof segments)[number];
    const child = node.children.get(segment.name);
    if (child === undefined) {
      if (!segment.name.startsWith("_"))
        throw new FlatConversionError(
          key,
          `path is not in the web template (no node '${segment.name}' here)`,
        );
      if (node.kind !== "object")
        throw new FlatConversionError(
          key,
          "attribute is not supported by the canonical converter on a value",
        );
      const target = attributeTarget(key, node.rmType, segments.slice(i), suffix);
      return { kind: "attribute", steps: intern(owners, path, steps), suffix, target, group: target.group };
    }
    const index = segment.index ?? 0;
    if (Number.isNaN(index) || (!child.repeatable && index !== 0) || (child.max !== -1 && index >= child.max))
      throw new FlatConversionError(key, `index of '${segment.name}' is not allowed by the template`);
    // Occurrences live in arrays walked by index: a huge index would make a huge sparse walk.
    if (index > MAX_INDEX)
      throw new FlatConversionError(
        key,
        `index of '${segment.name}' is above ${MAX_INDEX}, the converter's limit`,
      );
    if (child.kind === "unsupported")
      throw new FlatConversionError(key, child.unsupported ?? "not supported");
    path = child.repeatable ? `${path}/${child.id}:${index}` : `${path}/${child.id}`;
    steps.push({ node: child, index, path });
    node = child;
  }
  if (node.kind !== "value") throw new FlatConversionError(key, "path names a structural node, not a value");
  const suffixes = leafSuffixes(node.rmType);
  if (valueBuilder(node.rmType) === undefined || suffixes === undefined)
    throw new FlatConversionError(key, `RM type ${node.rmType} is not supported by the canonical converter`);
  if (!suffixes.has(suffix))
    throw new FlatConversionError(key, "suffix is not supported by the canonical converter");
  const blank: LeafValues = {};
  for (const name of suffixes) blank[name] = undefined;
  return { kind: "leaf", steps: intern(owners, path, steps), suffix, blank };
}

/** One steps array per owner path, so the conversion loop can compare owners by identity. */
function intern(
  owners: Map<string, readonly InstanceStep[]>,
  path: string,
  steps: readonly InstanceStep[],
): readonly InstanceStep[] {
  const known = owners.get(path);
  if (known !== undefined) return known;
  owners.set(path, steps);
  return steps;
}
