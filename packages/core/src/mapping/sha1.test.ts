/** Proves the pure-TS SHA-1 and UUIDv5 match the standards (published vectors) and node:crypto. */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compositionUidFor, compositionUuidFor, EHR_SYNC_UID_NAMESPACE } from "./composition-uid.js";
import { sha1, toHex } from "./sha1.js";
import { uuidV5 } from "./uuid-v5.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("sha1", () => {
  it.each([
    ["", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["abc", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"],
    ["a".repeat(1_000_000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"],
  ])("matches the FIPS 180 vector for a %#th message", (message, digest) => {
    expect(toHex(sha1(utf8(message)))).toBe(digest);
  });

  it("matches node:crypto for every length around the 64-byte block boundaries", () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      expect(toHex(sha1(bytes))).toBe(createHash("sha1").update(bytes).digest("hex"));
    }
  });
});

describe("uuidV5", () => {
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
