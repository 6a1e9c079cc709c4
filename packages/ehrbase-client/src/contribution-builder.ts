/**
 * Builds the body of `POST /ehr/{ehr_id}/contribution`: one ORIGINAL_VERSION per canonical composition,
 * each with the commit audit EHRbase requires, plus the contribution's own audit.
 *
 * What EHRbase 2.16 wants (observed, see docs/contributions.md): `audit` present (without it: 500),
 * every version with `commit_audit` (change_type, committer, system_id) and `lifecycle_state`, no
 * `time_committed` anywhere (400 "must not be set"), and canonical JSON only — FLAT has no `_type` and is
 * refused with 400. A creation keeps the uid in `data.uid` (the version's own `uid` is ignored); a
 * modification names its `preceding_version_uid`.
 */
import { EhrbaseInputError } from "./errors.js";
import type { Composition } from "./types.js";
import { formatVersionUid, parseVersionUid, type VersionUid } from "./version-uid.js";

/** A new composition. `composition.uid` (`{uuid}::{system}::1`) is kept; without one a random uuid is given. */
export interface CreationVersion {
  changeType?: "creation";
  composition: Composition;
  lifecycleState?: LifecycleState;
}

/** A new version of an existing composition; `precedingVersionUid` must be its latest version (else 412). */
export interface ModificationVersion {
  changeType: "modification" | "amendment";
  composition: Composition;
  precedingVersionUid: string;
  lifecycleState?: LifecycleState;
}

export type ContributionVersion = CreationVersion | ModificationVersion;

export type LifecycleState = "complete" | "incomplete";

export interface ContributionAudit {
  /** EHRbase's system id (`server.nodename`), e.g. `local.ehrbase.org`. */
  systemId: string;
  /** Who commits: stored as PARTY_IDENTIFIED name on the contribution and on every version. */
  committer: string;
  /** Optional free text stored on the contribution's audit (keep patient data out of it). */
  description?: string;
}

interface CodedText {
  _type: "DV_CODED_TEXT";
  value: string;
  defining_code: {
    _type: "CODE_PHRASE";
    terminology_id: { _type: "TERMINOLOGY_ID"; value: "openehr" };
    code_string: string;
  };
}

interface AuditDetails {
  _type: "AUDIT_DETAILS";
  system_id: string;
  committer: { _type: "PARTY_IDENTIFIED"; name: string };
  change_type: CodedText;
  description?: { _type: "DV_TEXT"; value: string };
}

export interface OriginalVersionBody {
  _type: "ORIGINAL_VERSION";
  commit_audit: AuditDetails;
  lifecycle_state: CodedText;
  preceding_version_uid?: { _type: "OBJECT_VERSION_ID"; value: string };
  data: Composition;
}

export interface ContributionBody {
  _type: "CONTRIBUTION";
  versions: OriginalVersionBody[];
  audit: AuditDetails;
}

// openEHR terminology codes ("audit change type", "version lifecycle state").
const CHANGE_TYPE_CODES = { creation: "249", amendment: "250", modification: "251" } as const;
const LIFECYCLE_CODES = { complete: "532", incomplete: "553" } as const;

function openehrCoded(value: string, code: string): CodedText {
  return {
    _type: "DV_CODED_TEXT",
    value,
    defining_code: {
      _type: "CODE_PHRASE",
      terminology_id: { _type: "TERMINOLOGY_ID", value: "openehr" },
      code_string: code,
    },
  };
}

function auditDetails(audit: ContributionAudit, changeType: keyof typeof CHANGE_TYPE_CODES): AuditDetails {
  return {
    _type: "AUDIT_DETAILS",
    system_id: audit.systemId,
    committer: { _type: "PARTY_IDENTIFIED", name: audit.committer },
    change_type: openehrCoded(changeType, CHANGE_TYPE_CODES[changeType]),
  };
}

function checkAudit(audit: ContributionAudit): void {
  if (typeof audit?.systemId !== "string" || audit.systemId === "" || audit.systemId.includes("::")) {
    throw new EhrbaseInputError("audit.systemId", "must be EHRbase's system id (non-empty, without '::')");
  }
  if (typeof audit.committer !== "string" || audit.committer.trim() === "") {
    throw new EhrbaseInputError("audit.committer", "must be a non-empty string");
  }
  if (audit.description !== undefined && typeof audit.description !== "string") {
    throw new EhrbaseInputError("audit.description", "must be a string when given");
  }
}

function checkCanonical(composition: unknown, field: string): asserts composition is Composition {
  if (typeof composition !== "object" || composition === null || Array.isArray(composition)) {
    throw new EhrbaseInputError(field, "must be a canonical COMPOSITION object");
  }
  if ((composition as { _type?: unknown })._type !== "COMPOSITION") {
    throw new EhrbaseInputError(
      field,
      'must be canonical JSON with _type "COMPOSITION"; FLAT is not accepted in contributions',
    );
  }
}

function parseUid(text: unknown, field: string, rule: string): VersionUid {
  try {
    return parseVersionUid(typeof text === "string" ? text : "");
  } catch {
    throw new EhrbaseInputError(field, rule);
  }
}

/** The version uid a creation will get: the composition's own, or a fresh one. */
function creationUid(version: CreationVersion, systemId: string, field: string): string {
  const given = version.composition.uid?.value;
  if (given === undefined) return formatVersionUid(globalThis.crypto.randomUUID(), systemId, 1);
  const uid = parseUid(given, `${field}.composition.uid`, "must be {uuid}::{system}::1");
  if (uid.version !== 1)
    throw new EhrbaseInputError(`${field}.composition.uid`, "must have version 1 on creation");
  return uid.value;
}

/** The version uid a modification will get: the preceding one's uuid and system, version + 1. */
function modificationUid(version: ModificationVersion, field: string): { preceding: string; next: string } {
  const preceding = parseUid(
    version.precedingVersionUid,
    `${field}.precedingVersionUid`,
    "must be {uuid}::{system}::{n}",
  );
  const given = version.composition.uid?.value;
  if (given !== undefined) {
    const uid = parseUid(given, `${field}.composition.uid`, "must be {uuid}::{system}::{n}");
    if (uid.uuid !== preceding.uuid) {
      throw new EhrbaseInputError(`${field}.composition.uid`, "must have the uuid of precedingVersionUid");
    }
  }
  return {
    preceding: preceding.value,
    next: formatVersionUid(preceding.uuid, preceding.systemId, preceding.version + 1),
  };
}

function lifecycle(state: LifecycleState | undefined, field: string): CodedText {
  const chosen = state ?? "complete";
  const code = LIFECYCLE_CODES[chosen];
  if (!code) throw new EhrbaseInputError(`${field}.lifecycleState`, 'must be "complete" or "incomplete"');
  return openehrCoded(chosen, code);
}

/** The contribution's own change type: the most significant of its versions' (openEHR's advice). */
function contributionChangeType(versions: readonly ContributionVersion[]): keyof typeof CHANGE_TYPE_CODES {
  const types = new Set(versions.map((v) => v.changeType ?? "creation"));
  if (types.size === 1) return [...types][0]!;
  return "modification";
}

export interface BuiltContribution {
  body: ContributionBody;
  /** The version uid each input version will have once committed, in input order. */
  versionUids: string[];
}

/**
 * The CONTRIBUTION for `versions`, and the version uid each will get. Checks everything EHRbase would
 * refuse for the envelope (so a refusal can only come from a version's content): canonical bodies,
 * well-formed uids, no uuid twice, a committer and a system id.
 */
export function buildContribution(
  versions: readonly ContributionVersion[],
  audit: ContributionAudit,
): BuiltContribution {
  if (!Array.isArray(versions) || versions.length === 0) {
    throw new EhrbaseInputError("versions", "must hold at least one version");
  }
  checkAudit(audit);
  const built: OriginalVersionBody[] = [];
  const versionUids: string[] = [];
  const seen = new Set<string>();
  versions.forEach((version, index) => {
    const field = `versions[${index}]`;
    checkCanonical(version?.composition, `${field}.composition`);
    const changeType = version.changeType ?? "creation";
    if (changeType !== "creation" && changeType !== "modification" && changeType !== "amendment") {
      throw new EhrbaseInputError(`${field}.changeType`, 'must be "creation", "modification" or "amendment"');
    }
    let uid: string;
    let preceding: string | undefined;
    if (changeType === "creation") {
      uid = creationUid(version as CreationVersion, audit.systemId, field);
    } else {
      ({ preceding, next: uid } = modificationUid(version as ModificationVersion, field));
    }
    const uuid = uid.slice(0, uid.indexOf("::"));
    // EHRbase refuses a uuid twice in one contribution (412 "already exists"): say so before sending.
    if (seen.has(uuid))
      throw new EhrbaseInputError(`${field}.composition.uid`, "repeats an earlier version's uuid");
    seen.add(uuid);
    versionUids.push(uid);
    built.push({
      _type: "ORIGINAL_VERSION",
      commit_audit: auditDetails(audit, changeType),
      lifecycle_state: lifecycle(version.lifecycleState, field),
      ...(preceding
        ? { preceding_version_uid: { _type: "OBJECT_VERSION_ID" as const, value: preceding } }
        : {}),
      data: { ...version.composition, uid: { _type: "OBJECT_VERSION_ID", value: uid } },
    });
  });
  const contributionAudit = auditDetails(audit, contributionChangeType(versions));
  if (audit.description) contributionAudit.description = { _type: "DV_TEXT", value: audit.description };
  return { body: { _type: "CONTRIBUTION", versions: built, audit: contributionAudit }, versionUids };
}
