/**
 * RM attributes that FLAT accepts although the web template does not list them
 * (`_uid`, `_feeder_audit/...`, `context/_end_time`, entry `_work_flow_id` …), per RM type.
 * Mirrors what EHRbase 2.16's FLAT unmarshaller consumes; keys outside these shapes are
 * answered with 400 "Could not consume Parts", so the validator reports them as unknown paths.
 */

import { OPENEHR_MATH_FUNCTION } from "./openehr-terminology.js";

export type RmValueKind = "text" | "date-time" | "integer" | "number" | "boolean";

export interface RmAttributeSpec {
  /** FLAT writes `name:n` for list-valued attributes. */
  readonly repeatable: boolean;
  /** Allowed `|suffix` values; `""` = the bare key. */
  readonly suffixes: ReadonlySet<string>;
  /** Nested attributes reached with `/`. */
  readonly children: ReadonlyMap<string, RmAttributeSpec>;
  /** Kind of value expected by suffix (`""` for the bare key); unlisted suffixes take text. */
  readonly kinds: ReadonlyMap<string, RmValueKind>;
  /** EHRbase consumes every key below this attribute (e.g. `_link`, `_participation`): anything goes. */
  readonly open: boolean;
  /** A party: `|id` needs `|id_scheme` and `|id_namespace` (EHRbase builds a PARTY_REF that requires both). */
  readonly party: boolean;
  /** Closed code set checked for `|code` (and for a bare value / `|value` as code or label). */
  readonly codes: ReadonlyMap<string, string> | undefined;
}

function spec(
  suffixes: readonly string[],
  options: {
    repeatable?: boolean;
    children?: Record<string, RmAttributeSpec>;
    kinds?: Record<string, RmValueKind>;
    open?: boolean;
    party?: boolean;
    codes?: ReadonlyMap<string, string>;
  } = {},
): RmAttributeSpec {
  return {
    open: options.open ?? false,
    party: options.party ?? false,
    codes: options.codes,
    repeatable: options.repeatable ?? false,
    suffixes: new Set(suffixes),
    children: new Map(Object.entries(options.children ?? {})),
    kinds: new Map(Object.entries(options.kinds ?? {})),
  };
}

function repeatable(base: RmAttributeSpec): RmAttributeSpec {
  return { ...base, repeatable: true };
}

const IDENTIFIER = spec(["id", "issuer", "assigner", "type"]);
const PARTY_IDENTIFIED = spec(["", "name", "id", "id_scheme", "id_namespace", "type"], {
  party: true,
  children: { _identifier: repeatable(IDENTIFIER) },
});
const OBJECT_REF = spec(["id", "id_scheme", "namespace", "type"]);
const CODED_TEXT = spec(["", "code", "value", "terminology", "formatting"]);
const TEXT_OR_CODED = spec(["", "value", "code", "terminology", "formatting"]);
const DATE_TIME = spec([""], { kinds: { "": "date-time" } });

const FEEDER_AUDIT_DETAILS = spec(["", "system_id", "version_id", "time"], {
  kinds: { time: "date-time" },
  children: {
    provider: PARTY_IDENTIFIED,
    location: PARTY_IDENTIFIED,
    subject: PARTY_IDENTIFIED,
  },
});

/** Everything below is consumed by EHRbase (FlatHelper.consumeAllMatching). */
const OPEN_LIST = spec([], { repeatable: true, open: true });

const FEEDER_AUDIT = spec([], {
  children: {
    originating_system_item_id: OPEN_LIST,
    feeder_system_item_id: OPEN_LIST,
    originating_system_audit: FEEDER_AUDIT_DETAILS,
    feeder_system_audit: FEEDER_AUDIT_DETAILS,
    original_content: spec(["", "formalism", "value"]),
    original_content_multimedia: spec(["", "mediatype", "size", "alternatetext", "url", "uri", "value"]),
  },
});

const LINK = OPEN_LIST;
const PARTICIPATION = spec([], { repeatable: true, open: true, party: true });

/** Attributes every LOCATABLE (composition, section, entry, cluster, element, event …) accepts. */
const LOCATABLE: Record<string, RmAttributeSpec> = {
  _uid: spec([""]),
  _name: CODED_TEXT,
  _feeder_audit: FEEDER_AUDIT,
  _link: LINK,
};

const ENTRY: Record<string, RmAttributeSpec> = {
  ...LOCATABLE,
  _work_flow_id: OBJECT_REF,
  _guideline_id: OBJECT_REF,
  _provider: PARTY_IDENTIFIED,
  _other_participation: PARTICIPATION,
};

const INSTRUCTION: Record<string, RmAttributeSpec> = {
  ...ENTRY,
  _wf_definition: spec(["", "value", "formalism"]),
};

const ACTION: Record<string, RmAttributeSpec> = {
  ...ENTRY,
  _instruction_details: spec([""], { open: true }),
};

/** INTERVAL_EVENT attributes; FLAT accepts them on any EVENT node, and on an OBSERVATION whose single event is collapsed. */
const INTERVAL: Record<string, RmAttributeSpec> = {
  width: spec([""]),
  math_function: spec(["", "code", "value", "terminology", "formatting"], { codes: OPENEHR_MATH_FUNCTION }),
  sample_count: spec([""], { kinds: { "": "integer" } }),
};

const EVENT_CONTEXT: Record<string, RmAttributeSpec> = {
  _end_time: DATE_TIME,
  _health_care_facility: PARTY_IDENTIFIED,
  _participation: PARTICIPATION,
  _location: spec([""]),
};

/** `/_mapping:n/...` and friends on DV_TEXT-like values. */
const TEXT_VALUE: Record<string, RmAttributeSpec> = {
  _mapping: repeatable(
    spec(["match"], {
      children: {
        target: spec(["code", "terminology", "preferred_term"]),
        purpose: CODED_TEXT,
      },
    }),
  ),
  _language: spec(["code", "terminology"]),
  _encoding: spec(["code", "terminology"]),
};

const DV_VALUE: Record<string, RmAttributeSpec> = {
  _null_flavour: TEXT_OR_CODED,
  _null_reason: TEXT_OR_CODED,
  _normal_range: spec([], {
    children: {
      lower: spec(["", "magnitude", "unit", "value"], { kinds: { magnitude: "number" } }),
      upper: spec(["", "magnitude", "unit", "value"], { kinds: { magnitude: "number" } }),
    },
  }),
  _other_reference_ranges: repeatable(spec(["", "meaning"])),
};

const ENTRY_TYPES = new Set([
  "OBSERVATION",
  "EVALUATION",
  "INSTRUCTION",
  "ACTION",
  "ADMIN_ENTRY",
  "GENERIC_ENTRY",
]);
const EVENT_TYPES = new Set(["EVENT", "POINT_EVENT", "INTERVAL_EVENT"]);

/**
 * Extra attributes accepted under a node of `rmType`. `collapsedEvent` is true for an OBSERVATION
 * whose only event is folded into it (its `time` is a direct child).
 */
export function rmAttributesFor(
  rmType: string,
  collapsedEvent: boolean,
): ReadonlyMap<string, RmAttributeSpec> {
  let attributes: Record<string, RmAttributeSpec>;
  if (rmType === "COMPOSITION") attributes = { ...LOCATABLE };
  else if (rmType === "EVENT_CONTEXT") attributes = { ...EVENT_CONTEXT };
  else if (rmType === "INSTRUCTION") attributes = { ...INSTRUCTION };
  else if (rmType === "ACTION") attributes = { ...ACTION };
  else if (ENTRY_TYPES.has(rmType)) attributes = collapsedEvent ? { ...ENTRY, ...INTERVAL } : { ...ENTRY };
  else if (EVENT_TYPES.has(rmType)) attributes = { ...LOCATABLE, ...INTERVAL };
  else if (rmType === "PARTY_PROXY" || rmType === "PARTY_IDENTIFIED")
    attributes = { _identifier: repeatable(IDENTIFIER) };
  else if (rmType === "DV_TEXT" || rmType === "DV_CODED_TEXT") attributes = { ...TEXT_VALUE, ...DV_VALUE };
  else if (rmType.startsWith("DV_")) attributes = { ...DV_VALUE };
  else attributes = { ...LOCATABLE };
  return new Map(Object.entries(attributes));
}
