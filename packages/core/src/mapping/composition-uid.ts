/**
 * The composition uid rule: one note id ⇒ one composition, whichever worker sends it and however
 * often. EHRbase keeps a client-supplied `{uuid}::{system_id}::1` on create and answers 412
 * "already exists" on a repeat, which makes a retried POST detectable instead of a duplicate.
 */
import { uuidV5 } from "./uuid-v5.js";

/**
 * Fixed UUIDv5 namespace of ehr-sync composition ids. Never change it: every stored composition id
 * was derived from it. (Itself uuidV5("ehr-sync/composition", the RFC 9562 URL namespace).)
 */
export const EHR_SYNC_UID_NAMESPACE = "0ada7938-e4bb-53a7-985e-959ef75d41e4";

/** The deterministic composition UUID for a source note id (version-independent: amendments update it). */
export function compositionUuidFor(noteId: string): string {
  if (typeof noteId !== "string" || noteId.length === 0)
    throw new TypeError("compositionUuidFor: noteId must be a non-empty string");
  return uuidV5(noteId, EHR_SYNC_UID_NAMESPACE);
}

/** `{uuidV5(noteId)}::{systemId}::1`: the uid to send on create (EHRbase requires version 1 there). */
export function compositionUidFor(noteId: string, systemId: string): string {
  return firstVersionUid(compositionUuidFor(noteId), systemId);
}

/** `{uuid}::{systemId}::1` for a composition UUID already derived (compositionUuidFor). */
export function firstVersionUid(compositionUuid: string, systemId: string): string {
  if (typeof systemId !== "string" || systemId.length === 0 || systemId.includes("::"))
    throw new TypeError("compositionUidFor: systemId must be non-empty and must not contain '::'");
  // Same text as formatVersionUid({ objectId, systemId, version: 1 }); built directly, it runs per note.
  return `${compositionUuid}::${systemId}::1`;
}
