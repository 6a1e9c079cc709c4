/**
 * What a failed `POST /ehr/{id}/contribution` means for the versions in it, built on what EHRbase 2.16
 * was seen to do (docs/contributions.md; test/contributions.test.ts proves each case):
 *
 * - `refused`: EHRbase rejected the contribution for a version's content (invalid composition, a uid
 *   that exists, a stale or unknown preceding version). Contributions are atomic: **nothing** was
 *   stored. Send the versions one at a time, so the bad one fails alone and its neighbours land.
 * - `not_committed`: nothing was stored, and not because of a version (EHR unknown or not modifiable,
 *   credentials, server unavailable, request never sent). Single POSTs would fail the same way.
 * - `unknown`: the request may have been committed (500, gateway error, timeout or lost connection
 *   after sending). Look each version up by its uid before sending it again.
 *
 * `reason` is a fixed word, never the server's text (EHRbase echoes submitted values in it).
 */
import type { ContributionVersion, ModificationVersion } from "./contribution-builder.js";
import { isEhrbaseError, isEhrbaseInputError } from "./errors.js";

export type ContributionOutcome = "refused" | "not_committed" | "unknown";

export type ContributionRefusal =
  | "invalid_version"
  | "uid_exists"
  | "stale_preceding_version"
  | "preceding_version_not_found"
  | "version_rejected";

export type ContributionNotCommitted =
  | "invalid_input"
  | "ehr_not_found"
  | "ehr_not_modifiable"
  | "unauthorized"
  | "unavailable"
  | "not_sent"
  | "rejected_request";

export type ContributionUnknown =
  | "server_error"
  | "gateway_error"
  | "timeout"
  | "connection_lost"
  | "unexpected";

export type ContributionErrorClass =
  | { outcome: "refused"; reason: ContributionRefusal; versionIndex?: number }
  | { outcome: "not_committed"; reason: ContributionNotCommitted }
  | { outcome: "unknown"; reason: ContributionUnknown };

const isModification = (v: ContributionVersion): v is ModificationVersion =>
  v.changeType === "modification" || v.changeType === "amendment";

const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The uuid a version is known by: its own uid for a creation, the preceding one's for a modification. */
function uuidOf(version: ContributionVersion): string | undefined {
  const uid = isModification(version) ? version.precedingVersionUid : version.composition?.uid?.value;
  return typeof uid === "string" ? uid.slice(0, 36).toLowerCase() : undefined;
}

/**
 * The version the server's message points at: the one whose uuid it names, else the only version
 * that could be meant (the only modification for a stale preceding version, the only version at all).
 */
function locate(
  message: string,
  versions: readonly ContributionVersion[] | undefined,
  onlyCandidate: (v: ContributionVersion) => boolean,
): number | undefined {
  if (!versions || versions.length === 0) return undefined;
  for (const uuid of message.match(UUID_IN_TEXT) ?? []) {
    const index = versions.findIndex((v) => uuidOf(v) === uuid.toLowerCase());
    if (index >= 0) return index;
  }
  const candidates = versions.flatMap((v, i) => (onlyCandidate(v) ? [i] : []));
  return candidates.length === 1 ? candidates[0] : undefined;
}

const anyVersion = () => true;

function refused(
  reason: ContributionRefusal,
  message: string,
  versions: readonly ContributionVersion[] | undefined,
  onlyCandidate: (v: ContributionVersion) => boolean,
): ContributionErrorClass {
  const versionIndex = locate(message, versions, onlyCandidate);
  return versionIndex === undefined
    ? { outcome: "refused", reason }
    : { outcome: "refused", reason, versionIndex };
}

/**
 * Classifies an error thrown by `client.contributions.commit`. Pass the versions that were sent to
 * learn which one EHRbase objected to (`versionIndex`), when its answer allows telling.
 */
export function classifyContributionError(
  error: unknown,
  versions?: readonly ContributionVersion[],
): ContributionErrorClass {
  if (isEhrbaseInputError(error)) return { outcome: "not_committed", reason: "invalid_input" };
  if (!isEhrbaseError(error)) return { outcome: "unknown", reason: "unexpected" };
  const message = error.serverMessage ?? "";
  switch (error.code) {
    // 2.16 answers 400 (not 422 as for a single POST) for a composition that breaks its template, an
    // unknown template or a bad value; the envelope itself is checked by buildContribution.
    case "bad_request":
    case "validation_failed":
      return refused("invalid_version", message, versions, anyVersion);
    case "precondition_failed":
      if (/already exists/i.test(message)) return refused("uid_exists", message, versions, () => false);
      if (/latest version/i.test(message)) {
        return refused("stale_preceding_version", message, versions, isModification);
      }
      return refused("version_rejected", message, versions, anyVersion);
    case "not_found":
      if (/composition/i.test(message)) {
        return refused("preceding_version_not_found", message, versions, isModification);
      }
      return { outcome: "not_committed", reason: "ehr_not_found" };
    case "conflict":
      return { outcome: "not_committed", reason: "ehr_not_modifiable" };
    case "unauthorized":
      return { outcome: "not_committed", reason: "unauthorized" };
    case "unsupported_media_type":
      return { outcome: "not_committed", reason: "rejected_request" };
    case "server_error":
      if (error.status === 503) return { outcome: "not_committed", reason: "unavailable" };
      // 502/504 come from a proxy that may have passed the request on; a 500 may follow a commit.
      return error.status === 500
        ? { outcome: "unknown", reason: "server_error" }
        : { outcome: "unknown", reason: "gateway_error" };
    case "unexpected_status":
      if (error.status === 429) return { outcome: "not_committed", reason: "unavailable" };
      if (error.status !== undefined && error.status >= 400 && error.status < 500) {
        return { outcome: "not_committed", reason: "rejected_request" };
      }
      return { outcome: "unknown", reason: "unexpected" };
    case "timeout":
      return error.requestSent
        ? { outcome: "unknown", reason: "timeout" }
        : { outcome: "not_committed", reason: "not_sent" };
    case "network_error":
      return error.requestSent
        ? { outcome: "unknown", reason: "connection_lost" }
        : { outcome: "not_committed", reason: "not_sent" };
    default:
      return { outcome: "unknown", reason: "unexpected" };
  }
}
