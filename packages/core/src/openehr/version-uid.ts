/**
 * OBJECT_VERSION_ID values: `{uuid}::{creating_system_id}::{version}` (EHRbase ETags and `_uid`).
 */

export interface VersionUid {
  /** The versioned object's UUID (EHRbase's composition id). */
  objectId: string;
  /** EHRbase `server.nodename`, e.g. `local.ehrbase.org`. */
  systemId: string;
  /** 1 for the first version, +1 per update or delete. */
  version: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POSITIVE_INT = /^[1-9][0-9]*$/;

/** Parses `{uuid}::{system}::{n}`; also accepts the quoted form EHRbase puts in `ETag`. Returns undefined when malformed. */
export function parseVersionUid(text: string): VersionUid | undefined {
  const unquoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  const first = unquoted.indexOf("::");
  const last = unquoted.lastIndexOf("::");
  if (first <= 0 || last === first) return undefined;
  const objectId = unquoted.slice(0, first);
  const systemId = unquoted.slice(first + 2, last);
  const versionText = unquoted.slice(last + 2);
  if (!UUID.test(objectId) || systemId.length === 0 || !POSITIVE_INT.test(versionText)) return undefined;
  const version = Number(versionText);
  if (!Number.isSafeInteger(version)) return undefined;
  return { objectId: objectId.toLowerCase(), systemId, version };
}

export function isVersionUid(text: unknown): text is string {
  return typeof text === "string" && parseVersionUid(text) !== undefined;
}

export function formatVersionUid(uid: VersionUid): string {
  if (!UUID.test(uid.objectId)) throw new TypeError("formatVersionUid: objectId must be a UUID");
  if (uid.systemId.length === 0 || uid.systemId.includes("::"))
    throw new TypeError("formatVersionUid: systemId must be non-empty and must not contain '::'");
  if (!Number.isSafeInteger(uid.version) || uid.version < 1)
    throw new TypeError("formatVersionUid: version must be an integer >= 1");
  return `${uid.objectId.toLowerCase()}::${uid.systemId}::${uid.version}`;
}
