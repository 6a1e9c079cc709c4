/**
 * Bring your own template: a typed mapping from your record type to a FLAT composition of your
 * template, run through the same steps as the shipped SOAP mapping — your input validation, the
 * deterministic composition uid, and the web-template validator — before anything is sent.
 */
import { validateFlat } from "../openehr/validate-flat.js";
import type { WebTemplate } from "../openehr/web-template.js";
import type { FieldError, ValidationResult } from "../soap/note.js";
import { compositionUuidFor, firstVersionUid } from "./composition-uid.js";

export interface MappingContext {
  /** `{uuidV5(sourceId)}::{systemId}::1`, already set as `<root>/_uid` unless your map sets it. */
  compositionUid: string;
  systemId: string;
  /** Web-template root id: the first segment of every FLAT key. */
  rootId: string;
}

export interface CustomMappingDefinition<Input> {
  templateId: string;
  /** The template's web template (GET /definition/template/adl1.4/{id}, Accept application/openehr.wt+json). */
  webTemplate: WebTemplate;
  /** Stable id of the source record; the composition uid derives from it (UUIDv5, same namespace as notes). */
  sourceId: (input: Input) => string;
  /** Subject of the EHR the composition belongs to. */
  ehrSubject: (input: Input) => { id: string; namespace: string };
  /** Validates untyped input; errors must name the field and must not quote values. Defaults to accepting any input. */
  validate?: (input: unknown) => ValidationResult<Input>;
  map: (input: Input, context: MappingContext) => Record<string, unknown>;
}

export type PreparedComposition<Input> =
  | {
      ok: true;
      input: Input;
      templateId: string;
      /** The composition's UUID (versioned object id): what look-ups and updates address. */
      compositionUuid: string;
      /** `{compositionUuid}::{systemId}::1`, the uid a create sends. */
      compositionUid: string;
      ehrSubject: { id: string; namespace: string };
      flat: Record<string, unknown>;
    }
  | { ok: false; errors: FieldError[] };

export interface CustomMapping<Input> {
  readonly templateId: string;
  readonly webTemplate: WebTemplate;
  /**
   * validate → map → uid → validateFlat. `ok: false` lists field errors (input fields or FLAT paths).
   * `uidScope` keeps the uids of records from different sources apart when their ids overlap (two
   * app tables): the uid then derives from `{uidScope}:{sourceId}`.
   */
  prepare(
    input: unknown,
    options: { systemId: string; uidScope?: string | undefined },
  ): PreparedComposition<Input>;
  /**
   * validate → the EHR subject, without mapping: what the engine needs before the system id is known
   * (a server with no EHR yet), so that a note is still mapped only once.
   */
  subject(
    input: unknown,
  ): { ok: true; ehrSubject: { id: string; namespace: string } } | { ok: false; errors: FieldError[] };
}

/**
 * The FLAT-level checks run before sending: the web-template validator, plus text EHRbase cannot
 * store (U+0000: PostgreSQL text/jsonb rejects it and EHRbase answers 500). Violations become field
 * errors with the FLAT path as the field.
 */
export function flatViolationsAsErrors(
  webTemplate: WebTemplate,
  flat: Record<string, unknown>,
): FieldError[] {
  const result = validateFlat(webTemplate, flat);
  const errors = result.violations.map((v) => ({ field: v.path, message: v.message }));
  for (const path in flat) {
    const value = flat[path];
    if (typeof value === "string" && value.indexOf("\u0000") !== -1)
      errors.push({ field: path, message: `${path}: contains U+0000 (NUL), which EHRbase cannot store` });
  }
  return errors;
}

export function defineCustomMapping<Input>(definition: CustomMappingDefinition<Input>): CustomMapping<Input> {
  if (definition.webTemplate.templateId !== definition.templateId)
    throw new TypeError("defineCustomMapping: webTemplate.templateId differs from templateId");
  const rootId = definition.webTemplate.tree.id;
  const validate = (raw: unknown): ValidationResult<Input> =>
    definition.validate ? definition.validate(raw) : { ok: true, note: raw as Input };
  return {
    templateId: definition.templateId,
    webTemplate: definition.webTemplate,
    subject(raw) {
      const validated = validate(raw);
      return validated.ok ? { ok: true, ehrSubject: definition.ehrSubject(validated.note) } : validated;
    },
    prepare(raw, { systemId, uidScope }) {
      const validated = validate(raw);
      if (!validated.ok) return validated;
      const input = validated.note;
      const sourceId = definition.sourceId(input);
      const compositionUuid = compositionUuidFor(uidScope ? `${uidScope}:${sourceId}` : sourceId);
      const compositionUid = firstVersionUid(compositionUuid, systemId);
      const flat = definition.map(input, { compositionUid, systemId, rootId });
      const uidKey = `${rootId}/_uid`;
      if (uidScope || !(uidKey in flat)) flat[uidKey] = compositionUid;
      const errors = flatViolationsAsErrors(definition.webTemplate, flat);
      if (errors.length > 0) return { ok: false, errors };
      return {
        ok: true,
        input,
        templateId: definition.templateId,
        compositionUuid,
        compositionUid,
        ehrSubject: definition.ehrSubject(input),
        flat,
      };
    },
  };
}
