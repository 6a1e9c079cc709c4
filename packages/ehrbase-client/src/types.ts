/**
 * openEHR RM shapes the client exposes. Only what callers read or send; everything is JSON as EHRbase
 * writes it (`_type` discriminators, `{ value }` wrappers).
 */

export interface HierObjectId {
  _type?: "HIER_OBJECT_ID";
  value: string;
}

export interface ObjectVersionId {
  _type?: "OBJECT_VERSION_ID";
  value: string;
}

export interface GenericId {
  _type: "GENERIC_ID";
  value: string;
  scheme: string;
}

export interface PartyRef {
  _type?: "PARTY_REF";
  id: GenericId | HierObjectId;
  namespace: string;
  type: string;
}

export interface PartySelf {
  _type: "PARTY_SELF";
  external_ref?: PartyRef;
}

export interface DvText {
  _type?: "DV_TEXT";
  value: string;
}

export interface EhrStatus {
  _type: "EHR_STATUS";
  uid?: ObjectVersionId;
  archetype_node_id: string;
  name: DvText;
  subject: PartySelf;
  is_queryable: boolean;
  is_modifiable: boolean;
  other_details?: unknown;
}

export interface ObjectRef {
  _type?: "OBJECT_REF";
  id: ObjectVersionId | HierObjectId;
  namespace: string;
  type: string;
}

/** EHRbase < 2.30 embeds the whole EHR_STATUS; 2.30+ answers an OBJECT_REF. Both are accepted. */
export interface Ehr {
  _type?: "EHR";
  system_id: HierObjectId;
  ehr_id: HierObjectId;
  time_created: { value: string };
  ehr_status: EhrStatus | ObjectRef;
}

/** A canonical JSON COMPOSITION (typed loosely: its content is template specific). */
export interface Composition {
  _type: "COMPOSITION";
  uid?: ObjectVersionId;
  name: DvText;
  archetype_node_id: string;
  archetype_details?: { template_id?: { value: string } } & Record<string, unknown>;
  [attribute: string]: unknown;
}

/** FLAT (simSDT) composition: web-template paths to values. */
export type FlatComposition = Record<string, string | number | boolean | null>;

export interface TemplateMetadata {
  template_id: string;
  concept?: string;
  archetype_id?: string;
  created_timestamp?: string;
}

export interface WebTemplateInput {
  suffix?: string;
  type: string;
  list?: { value: string; label?: string }[];
  terminology?: string;
  defaultValue?: string;
  validation?: unknown;
}

export interface WebTemplateNode {
  id: string;
  name?: string;
  localizedName?: string;
  rmType: string;
  nodeId?: string;
  min: number;
  max: number;
  aqlPath?: string;
  inContext?: boolean;
  inputs?: WebTemplateInput[];
  children?: WebTemplateNode[];
}

export interface WebTemplate {
  templateId: string;
  version?: string;
  defaultLanguage?: string;
  languages?: string[];
  tree: WebTemplateNode;
}

export interface AqlColumn {
  name: string;
  path: string;
}

export interface AqlResultSet<Row extends unknown[] = unknown[]> {
  columns: AqlColumn[];
  rows: Row[];
  /** The whole RESULTSET as EHRbase returned it (meta, q, …). */
  raw: { meta?: Record<string, unknown>; q?: string; columns: AqlColumn[]; rows: Row[] };
}
