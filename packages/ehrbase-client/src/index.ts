export { AqlApi, type AqlOptions } from "./aql.js";
export { type AuthHeaderSource, createAuth, type EhrbaseAuth } from "./auth.js";
export { ehrbaseAuthFromEnv } from "./auth-from-env.js";
export { EhrbaseClient, isEhrbaseClient } from "./client.js";
export {
  type CompositionFormat,
  CompositionsApi,
  type CreateOptions,
  type ReadOptions,
  type ReadResult,
  type WriteOptions,
  type WriteResult,
} from "./compositions.js";
export { type EhrbaseClientOptions, type ResolvedUrls, type RetryOptions, resolveUrls } from "./config.js";
export {
  type BuiltContribution,
  buildContribution,
  type ContributionAudit,
  type ContributionBody,
  type ContributionVersion,
  type CreationVersion,
  type LifecycleState,
  type ModificationVersion,
  type OriginalVersionBody,
} from "./contribution-builder.js";
export {
  type ContributionErrorClass,
  type ContributionNotCommitted,
  type ContributionOutcome,
  type ContributionRefusal,
  type ContributionUnknown,
  classifyContributionError,
} from "./contribution-errors.js";
export {
  type CommitAudit,
  type CommitOptions,
  type CommitResult,
  ContributionsApi,
} from "./contributions.js";
export { type CreateEhrOptions, EhrApi, type Subject, validateSubject } from "./ehr.js";
export * from "./errors.js";
export { parseRetryAfterMs } from "./http.js";
export { TemplatesApi, templateIdOf } from "./templates.js";
export type * from "./types.js";
export { formatVersionUid, isUuid, parseVersionUid, type VersionUid } from "./version-uid.js";
