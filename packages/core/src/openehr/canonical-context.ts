/**
 * The `ctx/` keys of a FLAT composition the canonical converter understands: defaults for the
 * composition header, the event context, entries and events, as EHRbase's FLAT unmarshaller applies
 * them. Any other `ctx/` key is refused, naming it.
 */
import { FlatConversionError } from "./flat-conversion-error.js";

export interface FlatContext {
  language?: string;
  territory?: string;
  time?: string;
  end_time?: string;
  history_origin?: string;
  composer_name?: string;
  composer_id?: string;
  composer_self?: boolean;
  id_namespace?: string;
  id_scheme?: string;
  location?: string;
  setting?: string;
  facility_name?: string;
  facility_id?: string;
}

type Field = keyof FlatContext;

/** FLAT `ctx/…` key → field. */
const CTX_FIELDS: Record<string, Field> = {
  "ctx/language": "language",
  "ctx/territory": "territory",
  "ctx/time": "time",
  "ctx/end_time": "end_time",
  "ctx/history_origin": "history_origin",
  "ctx/composer_name": "composer_name",
  "ctx/composer_id": "composer_id",
  "ctx/composer_self": "composer_self",
  "ctx/id_namespace": "id_namespace",
  "ctx/id_scheme": "id_scheme",
  "ctx/location": "location",
  "ctx/setting": "setting",
  "ctx/health_care_facility|name": "facility_name",
  "ctx/health_care_facility|id": "facility_id",
};

/** The field a `ctx/` key sets; throws FlatConversionError for keys the converter does not support. */
export function contextField(key: string): Field {
  const field = CTX_FIELDS[key];
  if (field === undefined)
    throw new FlatConversionError(key, "ctx key is not supported by the canonical converter");
  return field;
}

export function setContextValue(ctx: FlatContext, field: Field, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (field === "composer_self") {
    if (value !== true && value !== false && value !== "true" && value !== "false")
      throw new FlatConversionError(key, "expected true or false");
    ctx.composer_self = value === true || value === "true";
    return;
  }
  if (typeof value === "string") ctx[field] = value;
  else if (typeof value === "number" || typeof value === "boolean") ctx[field] = String(value);
  else throw new FlatConversionError(key, "expected a text value");
}
