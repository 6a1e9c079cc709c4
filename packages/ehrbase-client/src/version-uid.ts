/** OBJECT_VERSION_ID `{uuid}::{system}::{n}`: what EHRbase puts (quoted) in ETags and wants bare in If-Match. */

export interface VersionUid {
  /** The versioned object's UUID (the composition id in URLs). */
  uuid: string;
  systemId: string;
  version: number;
  /** The whole `{uuid}::{system}::{n}`. */
  value: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseVersionUid(text: string): VersionUid {
  const bare = text.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  const parts = bare.split("::");
  const version = Number(parts[2]);
  if (
    parts.length !== 3 ||
    !UUID.test(parts[0]!) ||
    !parts[1] ||
    !Number.isSafeInteger(version) ||
    version < 1
  ) {
    throw new TypeError("not a version uid of the form {uuid}::{system}::{n}");
  }
  return {
    uuid: parts[0]!.toLowerCase(),
    systemId: parts[1],
    version,
    value: formatVersionUid(parts[0]!, parts[1], version),
  };
}

export function formatVersionUid(uuid: string, systemId: string, version = 1): string {
  if (!UUID.test(uuid)) throw new TypeError("formatVersionUid: uuid must be a UUID");
  if (!systemId || systemId.includes("::"))
    throw new TypeError("formatVersionUid: systemId must be non-empty without '::'");
  if (!Number.isSafeInteger(version) || version < 1)
    throw new TypeError("formatVersionUid: version must be >= 1");
  return `${uuid.toLowerCase()}::${systemId}::${version}`;
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
