/**
 * The shipped SOAP mapping as a ready-made CustomMapping: validateSoapNote → mapSoapNoteToFlat →
 * validateFlat against the shipped web template. This is what the sync engine runs per note.
 */
import type { WebTemplate } from "../openehr/web-template.js";
import type { SoapNote } from "../soap/note.js";
import { type ValidateSoapNoteOptions, validateSoapNote } from "../soap/validate-note.js";
import { SOAP_TEMPLATE_ID } from "../templates/soap-template-id.js";
import { SOAP_WEB_TEMPLATE } from "../templates/soap-web-template.js";
import { type CustomMapping, defineCustomMapping, type PreparedComposition } from "./custom-mapping.js";
import { mapSoapNoteToFlat, type SoapMappingOptions } from "./soap-to-flat.js";

export interface SoapPipelineOptions extends Omit<SoapMappingOptions, "systemId">, ValidateSoapNoteOptions {
  /** Web template to validate against (default: the shipped one; pass yours with `templateId`). */
  webTemplate?: WebTemplate;
}

export function createSoapMapping(options: SoapPipelineOptions = {}): CustomMapping<SoapNote> {
  const templateId = options.templateId ?? SOAP_TEMPLATE_ID;
  // One options object per mapping (not per note); systemId is set before each call (synchronous).
  const mappingOptions: Partial<SoapMappingOptions> = { ...options, templateId };
  return defineCustomMapping<SoapNote>({
    templateId,
    webTemplate: options.webTemplate ?? SOAP_WEB_TEMPLATE,
    sourceId: (note) => note.noteId,
    ehrSubject: (note) => ({ id: note.patient.id, namespace: note.patient.namespace }),
    validate: (input) => validateSoapNote(input, options),
    map: (note, { systemId }) => {
      mappingOptions.systemId = systemId;
      return mapSoapNoteToFlat(note, mappingOptions as SoapMappingOptions).flat;
    },
  });
}

const defaultMapping = createSoapMapping();

/** Validates untyped note input, maps it and validates the FLAT: everything short of sending it. */
export function prepareSoapComposition(
  input: unknown,
  options: { systemId: string } & SoapPipelineOptions,
): PreparedComposition<SoapNote> {
  const { systemId, ...rest } = options;
  const mapping = Object.keys(rest).length === 0 ? defaultMapping : createSoapMapping(rest);
  return mapping.prepare(input, { systemId });
}
