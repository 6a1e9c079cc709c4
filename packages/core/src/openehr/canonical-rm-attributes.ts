/**
 * RM attributes a FLAT key may set outside the web template (`_uid`, `_name`, `_feeder_audit/…`,
 * `context/_end_time`, `context/_health_care_facility`, `context/_location`): which shapes the
 * canonical converter accepts, and the canonical objects they become. Other `_…` attributes
 * (links, participations, null flavours, term mappings …) are refused, naming the key.
 */

import { codedText, dvIdentifier, type LeafValues, party, type ValueDefaults } from "./canonical-values.js";
import { FlatConversionError } from "./flat-conversion-error.js";
import type { FeederAudit, FeederAuditDetails } from "./rm-types.js";

/** One `/`-segment of the attribute part of a key, e.g. `originating_system_item_id:1`. */
export interface AttributeSegment {
  readonly name: string;
  readonly index: number | undefined;
}

/** What an accepted attribute key writes to: a group of suffixes on its owner object. */
export interface AttributeTarget {
  /** Group id on the owner, e.g. `_feeder_audit/originating_system_item_id:1`. */
  readonly group: string;
  readonly head: "_uid" | "_name" | "_feeder_audit" | "_end_time" | "_health_care_facility" | "_location";
  /** Feeder-audit part (`originating_system_audit`, `originating_system_item_id` …). */
  readonly part: string | undefined;
  readonly index: number;
}

const LOCATABLE_OWNERS = new Set([
  "COMPOSITION",
  "SECTION",
  "OBSERVATION",
  "EVALUATION",
  "ADMIN_ENTRY",
  "EVENT",
  "POINT_EVENT",
  "INTERVAL_EVENT",
  "CLUSTER",
  "ELEMENT",
]);
const SUFFIXES: Record<string, ReadonlySet<string>> = {
  _uid: new Set([""]),
  _name: new Set(["", "value", "code", "terminology"]),
  _end_time: new Set([""]),
  _location: new Set([""]),
  _health_care_facility: new Set(["", "name", "id", "id_scheme", "id_namespace"]),
  originating_system_audit: new Set(["system_id", "version_id", "time"]),
  feeder_system_audit: new Set(["system_id", "version_id", "time"]),
  originating_system_item_id: new Set(["id", "type", "issuer", "assigner"]),
  feeder_system_item_id: new Set(["id", "type", "issuer", "assigner"]),
  original_content: new Set(["", "formalism"]),
};

function unsupported(key: string, what = "attribute is not supported by the canonical converter"): never {
  throw new FlatConversionError(key, what);
}

/** Checks an attribute key below an owner of `ownerType`; throws FlatConversionError when unsupported. */
export function attributeTarget(
  key: string,
  ownerType: string,
  segments: readonly AttributeSegment[],
  suffix: string,
): AttributeTarget {
  const [first, second, ...rest] = segments;
  if (first === undefined || rest.length > 0 || (first.index !== undefined && first.index !== 0))
    unsupported(key);
  const head = first.name;
  let part: string | undefined;
  let index = 0;
  if (head === "_feeder_audit" && LOCATABLE_OWNERS.has(ownerType)) {
    if (second === undefined) unsupported(key);
    part = second.name;
    const repeatable = part === "originating_system_item_id" || part === "feeder_system_item_id";
    if (second.index !== undefined && (!repeatable || Number.isNaN(second.index)))
      unsupported(key, "index is not allowed here");
    index = second.index ?? 0;
  } else if (second !== undefined) {
    unsupported(key);
  } else if (head === "_uid" || head === "_name") {
    if (!LOCATABLE_OWNERS.has(ownerType)) unsupported(key);
  } else if (head === "_end_time" || head === "_health_care_facility" || head === "_location") {
    if (ownerType !== "EVENT_CONTEXT") unsupported(key);
  } else {
    unsupported(key);
  }
  const name = part ?? head;
  const allowed = Object.hasOwn(SUFFIXES, name) ? SUFFIXES[name] : undefined;
  if (allowed === undefined || !allowed.has(suffix))
    unsupported(key, "suffix is not supported by the canonical converter");
  const group = segments.map((s) => (s.index === undefined ? s.name : `${s.name}:${s.index}`)).join("/");
  return { group, head: head as AttributeTarget["head"], part, index };
}

/** The groups set on one object, by group id. */
export type AttributeGroups = Map<string, { target: AttributeTarget; values: LeafValues; key: string }>;

function text(values: LeafValues, suffix: string, key: string): string | undefined {
  const value = values[suffix];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new FlatConversionError(`${key}|${suffix}`, "expected a text value");
}

/** Applies `_uid`, `_name` and `_feeder_audit` groups to a LOCATABLE. */
export function applyLocatableAttributes(
  object: Record<string, unknown>,
  groups: AttributeGroups,
  isComposition: boolean,
): void {
  let audit: FeederAudit | undefined;
  let auditKey = "";
  for (const { target, values, key } of groups.values()) {
    if (target.head === "_uid") {
      const value = text(values, "", key);
      if (value !== undefined)
        object.uid = { _type: isComposition ? "OBJECT_VERSION_ID" : "HIER_OBJECT_ID", value };
    } else if (target.head === "_name") {
      const code = text(values, "code", key);
      const value = text(values, "value", key) ?? text(values, "", key);
      if (value === undefined) throw new FlatConversionError(`${key}|value`, "is required here");
      if (code === undefined) object.name = { _type: "DV_TEXT", value };
      else {
        const terminology = text(values, "terminology", key);
        if (terminology === undefined)
          throw new FlatConversionError(`${key}|terminology`, "is required here");
        object.name = codedText(terminology, code, value);
      }
    } else if (target.head === "_feeder_audit") {
      audit ??= { _type: "FEEDER_AUDIT" } as FeederAudit;
      auditKey = key;
      feederAuditPart(audit, target, values, key);
    }
  }
  if (audit !== undefined) {
    if (audit.originating_system_audit === undefined)
      throw new FlatConversionError(
        `${auditKey.slice(0, auditKey.indexOf("_feeder_audit/") + 14)}originating_system_audit|system_id`,
        "is required when a feeder audit is given",
      );
    compactFeederAudit(audit);
    object.feeder_audit = audit;
  }
}

function details(values: LeafValues, key: string): FeederAuditDetails {
  const systemId = text(values, "system_id", key);
  if (systemId === undefined) throw new FlatConversionError(`${key}|system_id`, "is required here");
  const result: FeederAuditDetails = { _type: "FEEDER_AUDIT_DETAILS", system_id: systemId };
  const time = text(values, "time", key);
  if (time !== undefined) result.time = { _type: "DV_DATE_TIME", value: time };
  const version = text(values, "version_id", key);
  if (version !== undefined) result.version_id = version;
  return result;
}

function feederAuditPart(audit: FeederAudit, target: AttributeTarget, values: LeafValues, key: string): void {
  switch (target.part) {
    case "originating_system_audit":
      audit.originating_system_audit = details(values, key);
      return;
    case "feeder_system_audit":
      audit.feeder_system_audit = details(values, key);
      return;
    case "originating_system_item_id":
    case "feeder_system_item_id": {
      const list =
        target.part === "originating_system_item_id"
          ? "originating_system_item_ids"
          : "feeder_system_item_ids";
      audit[list] ??= [];
      (audit[list] as unknown[])[target.index] = dvIdentifier(values, key);
      return;
    }
    case "original_content": {
      const value = text(values, "", key);
      const formalism = text(values, "formalism", key);
      if (value === undefined) throw new FlatConversionError(key, "is required here");
      if (formalism === undefined) throw new FlatConversionError(`${key}|formalism`, "is required here");
      audit.original_content = { _type: "DV_PARSABLE", value, formalism };
      return;
    }
    default:
      throw new FlatConversionError(key, "attribute is not supported by the canonical converter");
  }
}

/** Compacts the sparse item-id lists (`:0`, `:2` → two entries, in index order). */
function compactFeederAudit(audit: FeederAudit | undefined): void {
  if (audit === undefined) return;
  if (audit.originating_system_item_ids)
    audit.originating_system_item_ids = audit.originating_system_item_ids.filter(Boolean);
  if (audit.feeder_system_item_ids)
    audit.feeder_system_item_ids = audit.feeder_system_item_ids.filter(Boolean);
}

/** `_end_time`, `_health_care_facility`, `_location` on an EVENT_CONTEXT. */
export function applyContextAttributes(
  context: Record<string, unknown>,
  groups: AttributeGroups,
  defaults: ValueDefaults,
): void {
  for (const { target, values, key } of groups.values()) {
    if (target.head === "_end_time") {
      const value = text(values, "", key);
      if (value !== undefined) context.end_time = { _type: "DV_DATE_TIME", value };
    } else if (target.head === "_location") {
      const value = text(values, "", key);
      if (value !== undefined) context.location = value;
    } else if (target.head === "_health_care_facility") {
      context.health_care_facility = party(values, key, defaults);
    }
  }
}
