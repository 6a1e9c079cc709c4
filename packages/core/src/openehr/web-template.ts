/**
 * Web template (`application/openehr.wt+json`) as served by EHRbase 2.x
 * (`GET /definition/template/adl1.4/{id}` with `Accept: application/openehr.wt+json`).
 * Field names follow the openEHR web-template schema; everything the server may omit is optional.
 */

/** A numeric bound as written in `validation.range` / `validation.precision`. */
export interface WebTemplateInterval {
  min?: number;
  minOp?: ">=" | ">";
  max?: number;
  maxOp?: "<=" | "<";
}

export interface WebTemplateValidation {
  range?: WebTemplateInterval;
  precision?: WebTemplateInterval;
  /** Regular expression a DV_TEXT value must match (when the archetype constrains it). */
  pattern?: string;
}

/** One allowed value of an input: a code (coded text, ordinal) or a unit (quantity). */
export interface WebTemplateInputValue {
  value: string;
  label: string;
  ordinal?: number;
  localizedLabels?: Record<string, string>;
  localizedDescriptions?: Record<string, string>;
  currentStates?: string;
  range?: WebTemplateInterval;
  precision?: WebTemplateInterval;
  /** Per-unit magnitude constraints of a DV_QUANTITY. */
  validation?: WebTemplateValidation;
}

export type WebTemplateInputType =
  | "TEXT"
  | "CODED_TEXT"
  | "DECIMAL"
  | "INTEGER"
  | "DATETIME"
  | "DATE"
  | "TIME"
  | "BOOLEAN"
  | "DURATION"
  | (string & {});

export interface WebTemplateInput {
  /** Absent for single-valued types (DV_TEXT, DV_DATE_TIME, DV_COUNT …): the bare FLAT key. */
  suffix?: string;
  type: WebTemplateInputType;
  list?: WebTemplateInputValue[];
  /** `true` when values outside `list` are allowed (open value set). */
  listOpen?: boolean;
  terminology?: string;
  validation?: WebTemplateValidation;
  defaultValue?: string | number | boolean;
}

export interface WebTemplateTermBinding {
  value?: { value?: string; terminologyId?: string; codeString?: string };
  [key: string]: unknown;
}

export interface WebTemplateNode {
  /** FLAT path segment of this node, unique among its siblings. */
  id: string;
  name: string;
  localizedName?: string;
  /** openEHR RM type, e.g. `OBSERVATION`, `DV_QUANTITY`, `PARTY_PROXY`. */
  rmType: string;
  /** Archetype id or at-code; absent for RM attributes such as `time` or `language`. */
  nodeId?: string;
  min: number;
  /** `-1` means unbounded. */
  max: number;
  /** AQL path from the composition root; EHRbase omits it on the root node. */
  aqlPath?: string;
  children?: WebTemplateNode[];
  inputs?: WebTemplateInput[];
  /** RM attributes normally filled from `ctx/` or server defaults (language, time, composer …). */
  inContext?: boolean;
  localizedNames?: Record<string, string>;
  localizedDescriptions?: Record<string, string>;
  annotations?: Record<string, string>;
  termBindings?: Record<string, WebTemplateTermBinding>;
  dependsOn?: string[];
  proportionTypes?: string[];
  archetype_id?: string;
}

export interface WebTemplate {
  templateId: string;
  version?: string;
  semVer?: string;
  defaultLanguage: string;
  languages: string[];
  tree: WebTemplateNode;
}
