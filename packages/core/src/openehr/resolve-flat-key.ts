/**
 * Resolves a FLAT key against a web-template index: the template-node instances it passes through,
 * the leaf or RM attribute it ends at, or the structural problem with it (unknown path, index
 * beyond max). The answer depends only on the key, so it is cached per template: a mapper emits
 * the same keys for every note, and validation then costs a few map lookups per key.
 */
import { type FlatPathIndex, type FlatPathNode, parseFlatKey } from "./flat-paths.js";
import type { RmAttributeSpec } from "./rm-attributes.js";

/**
 * A template-node instance, e.g. `…/blood_pressure:0`, interned per template so that every
 * composition using the same path shares the object. `seenIn`/`dataIn` are stamped with the id of
 * the validation pass that saw them, which replaces per-pass sets (validation is synchronous).
 */
export interface NodeInstance {
  /** Concrete instance path; an omitted index is normalised to `:0`. */
  readonly path: string;
  readonly node: FlatPathNode;
  readonly parent: NodeInstance | undefined;
  /** Child instances of non-repeatable children, by child id. */
  readonly single: Map<string, NodeInstance>;
  /** Occurrence counters of repeatable children, by child id. */
  readonly slots: Map<string, OccurrenceSlot>;
  /** Pass that last saw this instance. */
  seenIn: number;
  /** Pass that last put data below this instance. */
  dataIn: number;
}

/** Distinct occurrences of one repeatable child below one parent instance, valid for pass `seenIn`. */
export interface OccurrenceSlot {
  seenIn: number;
  count: number;
}

export type InstanceStep = NodeInstance;

export interface KeyProblem {
  readonly code: "unknown-path" | "cardinality";
  readonly path: string;
  readonly message: string;
}

export interface ResolvedFlatKey {
  readonly ctx: boolean;
  readonly steps: readonly InstanceStep[];
  readonly problem: KeyProblem | undefined;
  /** The key puts data below its steps (so entries and events along it are not empty). */
  readonly marksData: boolean;
  /** Template leaf the key ends at (undefined for RM attributes and problems). */
  readonly leaf: FlatPathNode | undefined;
  /** Instance path of the leaf, or of the node owning the RM attribute. */
  readonly ownerPath: string;
  readonly suffix: string;
  /** RM attribute outside the template (`_end_time`, `_feeder_audit/…`), with the spec the key ends at. */
  readonly attribute: { readonly name: string; readonly spec: RmAttributeSpec } | undefined;
  /** Set when the key gives an attribute of a party (composer, facility …): the key without `|suffix`. */
  readonly partyGroup: string | undefined;
}

const PARTY_TYPES = new Set(["PARTY_PROXY", "PARTY_IDENTIFIED", "PARTY_SELF", "PARTY_RELATED"]);
/** Bound per template; keys with ever-new indices must not grow the cache without limit. */
const MAX_CACHED_KEYS = 50_000;

interface TemplateCache {
  readonly keys: Map<string, ResolvedFlatKey>;
  readonly instances: Map<string, NodeInstance>;
}

const caches = new WeakMap<FlatPathIndex, TemplateCache>();

export function resolveFlatKey(index: FlatPathIndex, key: string): ResolvedFlatKey {
  const cache = cacheOf(index);
  let resolved = cache.keys.get(key);
  if (resolved === undefined) {
    resolved = resolve(index, key, cache.instances);
    cache.keys.set(key, resolved);
  }
  return resolved;
}

function cacheOf(index: FlatPathIndex): TemplateCache {
  let cache = caches.get(index);
  if (cache === undefined) {
    cache = { keys: new Map(), instances: new Map() };
    caches.set(index, cache);
  }
  return cache;
}

/**
 * The interned instance of the composition root; call it once at the start of a validation pass.
 * An oversized cache is dropped here, between passes, so one pass never mixes two generations.
 */
export function rootInstance(index: FlatPathIndex): NodeInstance {
  let cache = cacheOf(index);
  if (cache.keys.size >= MAX_CACHED_KEYS) {
    cache = { keys: new Map(), instances: new Map() };
    caches.set(index, cache);
  }
  return intern(cache.instances, index.root.id, index.root, undefined);
}

/** The interned instance of a non-repeatable child below `parent`. */
export function singleChildInstance(
  index: FlatPathIndex,
  parent: NodeInstance,
  child: FlatPathNode,
): NodeInstance {
  return intern(cacheOf(index).instances, `${parent.path}/${child.id}`, child, parent);
}

function intern(
  instances: Map<string, NodeInstance>,
  path: string,
  node: FlatPathNode,
  parent: NodeInstance | undefined,
): NodeInstance {
  let instance = instances.get(path);
  if (instance === undefined) {
    instance = { path, node, parent, single: new Map(), slots: new Map(), seenIn: 0, dataIn: 0 };
    instances.set(path, instance);
    if (parent !== undefined && !node.repeatable) parent.single.set(node.id, instance);
  }
  return instance;
}

const CTX: ResolvedFlatKey = {
  ctx: true,
  steps: [],
  problem: undefined,
  marksData: false,
  leaf: undefined,
  ownerPath: "",
  suffix: "",
  attribute: undefined,
  partyGroup: undefined,
};

function problemAt(
  key: string,
  steps: InstanceStep[],
  code: KeyProblem["code"],
  path: string,
  rule: string,
  marksData: boolean,
): ResolvedFlatKey {
  return {
    ...CTX,
    ctx: false,
    steps,
    problem: { code, path, message: `${path}: ${rule}` },
    marksData,
    ownerPath: key,
  };
}

function resolve(index: FlatPathIndex, key: string, instances: Map<string, NodeInstance>): ResolvedFlatKey {
  if (key.startsWith("ctx/")) return CTX;
  const { segments, suffix, wellFormed } = parseFlatKey(key);
  const root = index.root;
  const first = segments[0];
  const steps: InstanceStep[] = [];
  if (!wellFormed || first === undefined || first.name !== root.id || (first.index ?? 0) !== 0) {
    return problemAt(key, steps, "unknown-path", key, "path is not in the web template", false);
  }
  let node = root;
  let path = root.id;
  let instance = intern(instances, path, root, undefined);
  steps.push(instance);
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as (typeof segments)[number];
    const child = node.children.get(segment.name);
    if (child === undefined) {
      const attribute = node.rmAttributes.get(segment.name);
      if (attribute === undefined) {
        const rule = `path is not in the web template (no node '${segment.name}' here)`;
        return problemAt(key, steps, "unknown-path", key, rule, true);
      }
      return resolveAttribute(key, steps, path, segments, i, attribute, suffix);
    }
    if (segment.index !== undefined && Number.isNaN(segment.index)) {
      const rule = `index of '${segment.name}' must be a non-negative integer`;
      return problemAt(key, steps, "unknown-path", key, rule, true);
    }
    const occurrence = segment.index ?? 0;
    const slot = `${path}/${child.id}`;
    const max = child.repeatable ? child.max : 1;
    if (max !== -1 && occurrence >= max) {
      const rule = `occurs more often than the template allows (at most ${max})`;
      return problemAt(key, steps, "cardinality", slot, rule, true);
    }
    path = child.repeatable ? `${slot}:${occurrence}` : slot;
    instance = intern(instances, path, child, instance);
    steps.push(instance);
    node = child;
  }
  // The node exists: its ancestors count as carrying data even if this key is then rejected, so one bad key is reported once.
  const marksData = node.node.inContext !== true;
  if (!node.isLeaf)
    return problemAt(key, steps, "unknown-path", key, "path names a structural node, not a value", marksData);
  if (node.suffixes !== undefined && !node.suffixes.has(suffix)) {
    const rule = suffix === "" ? "value needs a |suffix here" : "unknown |suffix for this node";
    return problemAt(key, steps, "unknown-path", key, rule, marksData);
  }
  return {
    ctx: false,
    steps,
    problem: undefined,
    marksData,
    leaf: node,
    ownerPath: path,
    suffix,
    attribute: undefined,
    partyGroup: PARTY_TYPES.has(node.rmType) ? path : undefined,
  };
}

function resolveAttribute(
  key: string,
  steps: InstanceStep[],
  ownerPath: string,
  segments: readonly { name: string; index: number | undefined }[],
  start: number,
  first: RmAttributeSpec,
  suffix: string,
): ResolvedFlatKey {
  const name = (segments[start] as (typeof segments)[number]).name;
  // A null flavour stands in for the value: the element (and its event) is not empty.
  const marksData = name === "_null_flavour";
  let spec: RmAttributeSpec | undefined = first;
  const last = segments.length - 1;
  const bar = key.indexOf("|");
  const group = bar === -1 ? key : key.slice(0, bar);
  for (let i = start; i <= last; i++) {
    const segment = segments[i] as (typeof segments)[number];
    if (i > start) spec = spec.children.get(segment.name);
    if (spec === undefined) {
      const rule = `'${segment.name}' is not an attribute EHRbase accepts here`;
      return problemAt(key, steps, "unknown-path", key, rule, true);
    }
    if (segment.index !== undefined && (!spec.repeatable || Number.isNaN(segment.index))) {
      return problemAt(key, steps, "unknown-path", key, `'${segment.name}' takes no such index`, true);
    }
    if (spec.open) break;
  }
  if (!spec.open && !spec.suffixes.has(suffix)) {
    const rule = suffix === "" ? "value needs a |suffix here" : "unknown |suffix for this attribute";
    return problemAt(key, steps, "unknown-path", key, rule, true);
  }
  // Open attributes (participations) are parties only when the key ends on the list item itself.
  const isParty = spec.party && (!spec.open || segments.length - 1 === start);
  return {
    ctx: false,
    steps,
    problem: undefined,
    marksData,
    leaf: undefined,
    ownerPath,
    suffix,
    attribute: { name, spec },
    partyGroup: isParty ? group : undefined,
  };
}
