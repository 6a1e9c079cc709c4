/**
 * Our own openEHR RM 1.0.4 types, in canonical JSON shape (`_type` where the attribute is
 * polymorphic), covering what ehr-sync sends to and reads from EHRbase. Not a full RM: unmodelled
 * parts are typed loosely (`unknown`) rather than guessed.
 */

export interface CodePhrase {
  _type?: "CODE_PHRASE";
  terminology_id: TerminologyId;
  code_string: string;
  preferred_term?: string;
}

export interface TerminologyId {
  _type?: "TERMINOLOGY_ID";
  value: string;
}

export interface TermMapping {
  _type?: "TERM_MAPPING";
  match: string;
  target: CodePhrase;
  purpose?: DvCodedText;
}

export interface DvText {
  _type?: "DV_TEXT";
  value: string;
  formatting?: string;
  mappings?: TermMapping[];
  language?: CodePhrase;
  encoding?: CodePhrase;
}

export interface DvCodedText extends Omit<DvText, "_type"> {
  _type: "DV_CODED_TEXT";
  defining_code: CodePhrase;
}

export interface DvQuantity {
  _type: "DV_QUANTITY";
  magnitude: number;
  units: string;
  precision?: number;
  normal_status?: CodePhrase;
  accuracy?: number;
  accuracy_is_percent?: boolean;
  magnitude_status?: string;
}

export interface DvCount {
  _type: "DV_COUNT";
  magnitude: number;
}

export interface DvDateTime {
  _type: "DV_DATE_TIME";
  /** ISO 8601 extended format, e.g. `2024-05-01T10:30:00Z`. */
  value: string;
}

export interface DvDate {
  _type: "DV_DATE";
  value: string;
}

export interface DvDuration {
  _type: "DV_DURATION";
  value: string;
}

export interface DvBoolean {
  _type: "DV_BOOLEAN";
  value: boolean;
}

export interface DvIdentifier {
  _type: "DV_IDENTIFIER";
  id: string;
  issuer?: string;
  assigner?: string;
  type?: string;
}

export interface DvParsable {
  _type: "DV_PARSABLE";
  value: string;
  formalism: string;
}

export interface DvEncapsulated {
  _type: "DV_PARSABLE" | "DV_MULTIMEDIA";
  [attribute: string]: unknown;
}

export type DataValue =
  | DvText
  | DvCodedText
  | DvQuantity
  | DvCount
  | DvDateTime
  | DvDate
  | DvDuration
  | DvBoolean
  | DvIdentifier
  | DvParsable
  | { _type: string; [attribute: string]: unknown };

// ---- identifiers -------------------------------------------------------------------------

export interface HierObjectId {
  _type: "HIER_OBJECT_ID";
  value: string;
}

/** `{uuid}::{creating_system_id}::{version}`; see version-uid.ts to parse and format. */
export interface ObjectVersionId {
  _type: "OBJECT_VERSION_ID";
  value: string;
}

export interface GenericId {
  _type: "GENERIC_ID";
  value: string;
  scheme: string;
}

export type ObjectId = HierObjectId | ObjectVersionId | GenericId;

export interface PartyRef {
  _type?: "PARTY_REF";
  id: GenericId | HierObjectId;
  /** EHRbase requires `[a-zA-Z][a-zA-Z0-9-_:/&+?]*` (no dots). */
  namespace: string;
  type: string;
}

export interface ObjectRef {
  _type?: "OBJECT_REF";
  id: ObjectId;
  namespace: string;
  type: string;
}

// ---- parties -----------------------------------------------------------------------------

export interface PartySelf {
  _type: "PARTY_SELF";
  external_ref?: PartyRef;
}

export interface PartyIdentified {
  _type: "PARTY_IDENTIFIED";
  name?: string;
  external_ref?: PartyRef;
  identifiers?: DvIdentifier[];
}

export interface PartyRelated extends Omit<PartyIdentified, "_type"> {
  _type: "PARTY_RELATED";
  relationship: DvCodedText;
}

export type PartyProxy = PartySelf | PartyIdentified | PartyRelated;

export interface Participation {
  _type?: "PARTICIPATION";
  function: DvText | DvCodedText;
  performer: PartyProxy;
  mode?: DvCodedText;
  time?: unknown;
}

// ---- LOCATABLE infrastructure -------------------------------------------------------------

export interface Archetyped {
  _type?: "ARCHETYPED";
  archetype_id: { _type?: "ARCHETYPE_ID"; value: string };
  template_id?: { _type?: "TEMPLATE_ID"; value: string };
  rm_version: string;
}

export interface FeederAuditDetails {
  _type?: "FEEDER_AUDIT_DETAILS";
  system_id: string;
  location?: PartyIdentified;
  provider?: PartyIdentified;
  subject?: PartyProxy;
  time?: DvDateTime;
  version_id?: string;
}

export interface FeederAudit {
  _type?: "FEEDER_AUDIT";
  originating_system_item_ids?: DvIdentifier[];
  feeder_system_item_ids?: DvIdentifier[];
  original_content?: DvEncapsulated;
  originating_system_audit: FeederAuditDetails;
  feeder_system_audit?: FeederAuditDetails;
}

export interface Link {
  _type?: "LINK";
  meaning: DvText;
  type: DvText;
  target: { _type: "DV_EHR_URI"; value: string };
}

export interface Locatable {
  _type: string;
  name: DvText | DvCodedText;
  archetype_node_id: string;
  uid?: ObjectId;
  archetype_details?: Archetyped;
  feeder_audit?: FeederAudit;
  links?: Link[];
}

export interface Element extends Locatable {
  _type: "ELEMENT";
  value?: DataValue;
  null_flavour?: DvCodedText;
  null_reason?: DvText;
}

export interface Cluster extends Locatable {
  _type: "CLUSTER";
  items: Item[];
}

export type Item = Element | Cluster;

export interface ItemTree extends Locatable {
  _type: "ITEM_TREE" | "ITEM_LIST" | "ITEM_SINGLE" | "ITEM_TABLE";
  items?: Item[];
}

// ---- entries -----------------------------------------------------------------------------

export interface EntryBase extends Locatable {
  language: CodePhrase;
  encoding: CodePhrase;
  subject: PartyProxy;
  provider?: PartyProxy;
  other_participations?: Participation[];
  workflow_id?: ObjectRef;
  guideline_id?: ObjectRef;
}

export interface PointEvent extends Locatable {
  _type: "POINT_EVENT" | "INTERVAL_EVENT";
  time: DvDateTime;
  data: ItemTree;
  state?: ItemTree;
  width?: DvDuration;
  math_function?: DvCodedText;
}

export interface History extends Locatable {
  _type: "HISTORY";
  origin: DvDateTime;
  events?: PointEvent[];
}

export interface Observation extends EntryBase {
  _type: "OBSERVATION";
  data: History;
  state?: History;
  protocol?: ItemTree;
}

export interface Evaluation extends EntryBase {
  _type: "EVALUATION";
  data: ItemTree;
  protocol?: ItemTree;
}

export interface AdminEntry extends EntryBase {
  _type: "ADMIN_ENTRY";
  data: ItemTree;
}

/** INSTRUCTION and ACTION are not produced by ehr-sync; typed loosely. */
export interface OtherEntry extends EntryBase {
  _type: "INSTRUCTION" | "ACTION";
  [attribute: string]: unknown;
}

export type ContentItem = Observation | Evaluation | AdminEntry | OtherEntry | Section;

export interface Section extends Locatable {
  _type: "SECTION";
  items?: ContentItem[];
}

// ---- composition -------------------------------------------------------------------------

export interface EventContext {
  _type?: "EVENT_CONTEXT";
  start_time: DvDateTime;
  end_time?: DvDateTime;
  location?: string;
  setting: DvCodedText;
  health_care_facility?: PartyIdentified;
  participations?: Participation[];
  other_context?: ItemTree;
}

export interface Composition extends Locatable {
  _type: "COMPOSITION";
  language: CodePhrase;
  territory: CodePhrase;
  category: DvCodedText;
  composer: PartyProxy;
  context?: EventContext;
  content?: ContentItem[];
}

// ---- EHR ---------------------------------------------------------------------------------

export interface EhrStatus extends Locatable {
  _type: "EHR_STATUS";
  subject: PartySelf;
  is_queryable: boolean;
  is_modifiable: boolean;
  other_details?: ItemTree;
}

/**
 * EHR as EHRbase answers `GET/POST /ehr`. EHRbase 2.16 embeds the full EHR_STATUS; 2.30+ sends an
 * OBJECT_REF instead, so both are allowed.
 */
export interface Ehr {
  _type?: "EHR";
  system_id: { _type?: "HIER_OBJECT_ID"; value: string };
  ehr_id: { _type?: "HIER_OBJECT_ID"; value: string };
  time_created: DvDateTime | { value: string };
  ehr_status: EhrStatus | ObjectRef;
  ehr_access?: ObjectRef;
  compositions?: ObjectRef[];
  contributions?: ObjectRef[];
}

// ---- simplified formats and AQL -----------------------------------------------------------

/** A FLAT (simSDT) composition: web-template path → value. */
export type FlatComposition = Record<string, string | number | boolean>;

export interface AqlResultColumn {
  name: string;
  path?: string;
}

/** `POST /query/aql` response body (EHRbase 2.x, ITS-REST RESULTSET). */
export interface AqlResultSet<Row extends unknown[] = unknown[]> {
  meta?: {
    _href?: string;
    _type?: "RESULTSET";
    _schema_version?: string;
    _created?: string;
    _executed_aql?: string;
    _generator?: string;
    resultsize?: number;
    fetch?: number;
    offset?: number;
    [key: string]: unknown;
  };
  name?: string;
  q?: string;
  columns: AqlResultColumn[];
  rows: Row[];
}
