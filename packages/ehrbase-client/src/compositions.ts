import { EhrbaseError, EhrbaseInputError } from "./errors.js";
import type { HttpTransport } from "./http.js";
import type { Composition, FlatComposition } from "./types.js";
import { parseVersionUid, type VersionUid } from "./version-uid.js";

export type CompositionFormat = "FLAT" | "JSON";

export interface WriteOptions {
  format: CompositionFormat;
  /** Required for FLAT: EHRbase reads the template from the `templateId` query parameter. */
  templateId?: string;
  /** Ask EHRbase to return the stored composition (201/200 with a body instead of 204). */
  returnRepresentation?: boolean;
  signal?: AbortSignal;
}

export interface CreateOptions extends WriteOptions {
  /**
   * Client-chosen version uid `{uuid}::{system}::1`. EHRbase keeps it, and answers a second POST with
   * the same uuid with 412 "already exists" (EhrbasePreconditionFailedError.uidAlreadyExists): this is
   * what makes a retried create idempotent.
   */
  uid?: string;
}

export interface ReadOptions {
  format?: CompositionFormat;
  templateId?: string;
  signal?: AbortSignal;
}

export interface WriteResult<Body> {
  versionUid: VersionUid;
  /** The HTTP status EHRbase answered (204 without returnRepresentation, else 201/200). */
  status: number;
  /** Absolute URL of the composition (EHRbase's Location: the uuid, without system and version). */
  location: string | null;
  /** The stored composition when returnRepresentation was asked for. */
  body?: Body;
}

/**
 * `status` is the HTTP status EHRbase answered; a deletion marker is always its 204, and null (no
 * composition) always its 404.
 */
export type ReadResult<Body> =
  | { deleted: false; versionUid: VersionUid; composition: Body; status: number }
  | { deleted: true };

type Body = FlatComposition | Composition;

function formatQuery(options: {
  format?: CompositionFormat;
  templateId?: string;
}): Record<string, string | undefined> {
  if (options.format !== "FLAT") return {};
  if (!options.templateId) throw new EhrbaseInputError("templateId", "is required for FLAT compositions");
  return { format: "FLAT", templateId: options.templateId };
}

/** The FLAT root (the web template tree id) is the first segment of any non-ctx key. */
function flatRoot(flat: FlatComposition): string {
  const key = Object.keys(flat).find((k) => !k.startsWith("ctx/") && k.includes("/"));
  if (!key) throw new EhrbaseInputError("body", "has no template paths (only ctx/ keys)");
  return key.slice(0, key.indexOf("/"));
}

function withUid(body: Body, format: CompositionFormat, uid: string): Body {
  if (format === "FLAT") {
    const key = `${flatRoot(body as FlatComposition)}/_uid`;
    // Mappings usually carry the uid already: no need to copy a composition of hundreds of paths.
    if ((body as FlatComposition)[key] === uid) return body;
    return { ...(body as FlatComposition), [key]: uid };
  }
  return { ...(body as Composition), uid: { _type: "OBJECT_VERSION_ID", value: uid } };
}

function versionFrom(etag: string | null, method: string, path: string): VersionUid {
  try {
    return parseVersionUid(etag ?? "");
  } catch {
    throw new EhrbaseError("unexpected_status", false, {
      method,
      path,
      serverMessage: "response has no version uid in its ETag",
    });
  }
}

export class CompositionsApi {
  constructor(private readonly http: HttpTransport) {}

  /**
   * POST a composition. Without returnRepresentation EHRbase answers 204 (not 201): the new version
   * uid comes from the ETag, which is quoted and is unquoted here.
   */
  async create<B extends Body>(ehrId: string, body: B, options: CreateOptions): Promise<WriteResult<B>> {
    if (options.uid !== undefined) {
      let parsed: VersionUid;
      try {
        parsed = parseVersionUid(options.uid);
      } catch {
        throw new EhrbaseInputError("uid", "must be {uuid}::{system}::1");
      }
      if (parsed.version !== 1) throw new EhrbaseInputError("uid", "must have version 1 on create");
    }
    const payload = options.uid ? withUid(body, options.format, options.uid) : body;
    const path = `/ehr/${encodeURIComponent(ehrId)}/composition`;
    const response = await this.http.request({
      method: "POST",
      path,
      query: formatQuery(options),
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(options.returnRepresentation ? { prefer: "return=representation" } : {}),
      },
      body: JSON.stringify(payload),
      signal: options.signal,
    });
    return {
      versionUid: versionFrom(response.headers.get("etag"), "POST", path),
      status: response.status,
      location: response.headers.get("location"),
      ...(response.text ? { body: JSON.parse(response.text) as B } : {}),
    };
  }

  /**
   * PUT a new version. `precedingVersionUid` must be the latest version (else 412); EHRbase wants it
   * bare in If-Match, not quoted as it sends it in ETags.
   */
  async update<B extends Body>(
    ehrId: string,
    versionedObjectUid: string,
    precedingVersionUid: string,
    body: B,
    options: WriteOptions,
  ): Promise<WriteResult<B>> {
    let preceding: VersionUid;
    try {
      preceding = parseVersionUid(precedingVersionUid);
    } catch {
      throw new EhrbaseInputError("precedingVersionUid", "must be {uuid}::{system}::{n}");
    }
    const path = `/ehr/${encodeURIComponent(ehrId)}/composition/${encodeURIComponent(versionedObjectUid)}`;
    const response = await this.http.request({
      method: "PUT",
      path,
      query: formatQuery(options),
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "if-match": preceding.value,
        ...(options.returnRepresentation ? { prefer: "return=representation" } : {}),
      },
      body: JSON.stringify(body),
      signal: options.signal,
    });
    return {
      versionUid: versionFrom(response.headers.get("etag"), "PUT", path),
      status: response.status,
      location: response.headers.get("location"),
      ...(response.text ? { body: JSON.parse(response.text) as B } : {}),
    };
  }

  /**
   * GET by uuid (latest version) or by full version uid. null when unknown (404: the one status that
   * answers null); `{ deleted: true }`
   * when the version found is a deletion (EHRbase answers 204 with no body).
   */
  async get<B extends Body = Body>(
    ehrId: string,
    uid: string,
    options: ReadOptions = {},
  ): Promise<ReadResult<B> | null> {
    const path = `/ehr/${encodeURIComponent(ehrId)}/composition/${encodeURIComponent(uid)}`;
    const response = await this.http.request({
      method: "GET",
      path,
      query: formatQuery(options),
      headers: { accept: "application/json" },
      safe: true,
      accept: [404],
      signal: options.signal,
    });
    if (response.status === 404) return null;
    if (response.status === 204) return { deleted: true };
    return {
      deleted: false,
      status: response.status,
      versionUid: versionFrom(response.headers.get("etag"), "GET", path),
      composition: JSON.parse(response.text) as B,
    };
  }

  /** DELETE the latest version; answers the version uid of the deletion marker. Not latest → 409. */
  async delete(ehrId: string, precedingVersionUid: string, signal?: AbortSignal): Promise<VersionUid> {
    let preceding: VersionUid;
    try {
      preceding = parseVersionUid(precedingVersionUid);
    } catch {
      throw new EhrbaseInputError("precedingVersionUid", "must be {uuid}::{system}::{n}");
    }
    const path = `/ehr/${encodeURIComponent(ehrId)}/composition/${encodeURIComponent(preceding.value)}`;
    const response = await this.http.request({ method: "DELETE", path, signal });
    return versionFrom(response.headers.get("etag"), "DELETE", path);
  }
}
