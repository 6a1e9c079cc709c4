export type { FlatKeySegment, FlatPathIndex, FlatPathNode, ParsedFlatKey } from "./flat-paths.js";
export { indexWebTemplate, parseFlatKey } from "./flat-paths.js";
export type { CanonicalConverter, CanonicalConverterOptions, StructureNames } from "./flat-to-canonical.js";
export {
  canonicalNamesUsed,
  compileCanonicalConverter,
  FlatConversionError,
  flatToCanonical,
} from "./flat-to-canonical.js";
export { IANA_CHARACTER_SETS, ISO_639_1, ISO_3166_1 } from "./iso-codes.js";
export { OPENEHR_MATH_FUNCTION, OPENEHR_SETTING } from "./openehr-terminology.js";
export type { CodedName, OptNames } from "./opt-names.js";
export { optNames } from "./opt-names.js";
export type { RmAttributeSpec, RmValueKind } from "./rm-attributes.js";
export * from "./rm-types.js";
export type {
  FlatViolation,
  FlatViolationCode,
  ValidateFlatOptions,
  ValidateFlatResult,
} from "./validate-flat.js";
export { validateFlat } from "./validate-flat.js";
export { isFlatBoolean, isFlatDate, isFlatDateTime, isFlatDuration, isFlatTime } from "./value-checks.js";
export type { VersionUid } from "./version-uid.js";
export { formatVersionUid, isVersionUid, parseVersionUid } from "./version-uid.js";
export type * from "./web-template.js";
