export * from "./composition-uid.js";
export * from "./custom-mapping.js";
export * from "./flat-to-soap.js";
export {
  diagnosisPath,
  ITEM_TYPES,
  originatingItemPath,
  SOAP_PATHS,
  SOAP_ROOT,
  TERMINOLOGY_IDS,
  VITAL_PATHS,
} from "./soap-flat-paths.js";
export * from "./soap-mapping.js";
export * from "./soap-to-flat.js";
export { uuidV5 } from "./uuid-v5.js";
