export * from "./note.js";
export * from "./validate-note.js";
export { VITAL_RULES, type VitalName, type VitalRule } from "./vital-rules.js";
