/** Proves UUIDv5 (SHA-1 from @noble/hashes) matches the standards (published vectors) and node:crypto. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compositionUidFor, compositionUuidFor, EHR_SYNC_UID_NAMESPACE } from "./composition-uid.js";
import { uuidV5 } from "./uuid-v5.js";

describe("uuidV5", () => {
  // RFC 4122 §4.3 / RFC 9562 §5.5 with the four predefined namespaces (Appendix C); literals from
  // Python's uuid.uuid5, which follows the RFC.
  it.each([
    ["python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "886313e1-3b8a-5372-9b90-0c9aee199e5d"],
    ["http://python.org/", "6ba7b811-9dad-11d1-80b4-00c04fd430c8", "4c565f0d-3f5a-5890-b41b-20cf47701c5e"],
    ["1.3.6.1", "6ba7b812-9dad-11d1-80b4-00c04fd430c8", "1447fa61-5277-5fef-a9b3-fbc6e44f4af3"],
    [
      "cn=John Doe, o=Acme, c=US",
      "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
      "5e4aea80-1ec1-53dd-b9ad-8a36b398e4e8",
    ],
    // a name longer than one SHA-1 block (namespace + name > 64 bytes)
    ["x".repeat(200), "0ada7938-e4bb-53a7-985e-959ef75d41e4", "3702276d-578b-5b14-9b4d-aeaa7f448a77"],
  ])("gives %j in namespace %s the RFC uuid %s", (name, namespace, uuid) => {
    expect(uuidV5(name, namespace)).toBe(uuid);
  });

  it("matches the RFC 9562 / Python uuid5 vector (DNS namespace, www.example.com)", () => {
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("derives the documented ehr-sync namespace from the URL namespace", () => {
    // pinned literal (Python: uuid.uuid5(uuid.NAMESPACE_URL, "ehr-sync/composition"))
    expect(EHR_SYNC_UID_NAMESPACE).toBe("0ada7938-e4bb-53a7-985e-959ef75d41e4");
    expect(uuidV5("ehr-sync/composition", "6ba7b811-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "0ada7938-e4bb-53a7-985e-959ef75d41e4",
    );
  });

  it("hashes names as UTF-8", () => {
    const name = "note-ü-🤒";
    const ns = Buffer.from(EHR_SYNC_UID_NAMESPACE.replace(/-/g, ""), "hex");
    const hash = createHash("sha1")
      .update(Buffer.concat([ns, Buffer.from(name, "utf8")]))
      .digest();
    hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
    hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
    const hex = hash.subarray(0, 16).toString("hex");
    expect(uuidV5(name, EHR_SYNC_UID_NAMESPACE)).toBe(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    );
  });
});

describe("compositionUidFor", () => {
  // Never change these: every composition already stored was given its uid this way, and a changed
  // derivation would store a retried note twice. Literals from Python's uuid.uuid5 with the namespace.
  it.each([
    ["note-123", "b9711b79-1065-56aa-bc84-3a5ee5a52763"],
    ["note-124", "ee37447f-0abb-5120-8029-0de8544c637a"],
    ["8f14e45f-ceea-467f-a0e6-1b2b5c6d7e8f", "4db4b85f-d7c2-5f92-ae8e-1017b8d992ec"],
    ["note-ü-🤒", "01f4ea80-dfa6-5057-a2e5-6dd2fa58de23"],
  ])("gives note %j the composition uuid %s, for ever", (noteId, uuid) => {
    expect(compositionUuidFor(noteId)).toBe(uuid);
    expect(compositionUidFor(noteId, "local.ehrbase.org")).toBe(`${uuid}::local.ehrbase.org::1`);
  });

  it("is {uuidV5(noteId)}::{systemId}::1 and stable", () => {
    const uid = compositionUidFor("note-123", "local.ehrbase.org");
    expect(uid).toBe("b9711b79-1065-56aa-bc84-3a5ee5a52763::local.ehrbase.org::1");
    expect(compositionUidFor("note-123", "local.ehrbase.org")).toBe(uid);
    expect(compositionUuidFor("note-124")).not.toBe(compositionUuidFor("note-123"));
    expect(uid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}::local\.ehrbase\.org::1$/,
    );
  });

  it("rejects an empty note id", () => {
    expect(() => compositionUidFor("", "local.ehrbase.org")).toThrow(/noteId/);
  });
});
