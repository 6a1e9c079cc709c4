// SOAP_TEMPLATE_OPT is exported from `@ehr-sync/core/template` (src/template.ts), not from here.

export { SOAP_CANONICAL_NAMES } from "./soap-canonical-names.js";
export { SOAP_TEMPLATE_ID } from "./soap-template-id.js";
export * from "./soap-web-template.js";
