// Entry `@ehr-sync/core/template`: the shipped SOAP template's OPT (a 466 KB XML string) lives behind
// its own subpath so `@ehr-sync/core` itself — mapping, validation, queue — never loads it.
export { SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT } from "./templates/soap-template.js";
