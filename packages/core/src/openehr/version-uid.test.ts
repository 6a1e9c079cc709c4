import { describe, expect, it } from "vitest";
import { formatVersionUid, isVersionUid, parseVersionUid } from "./version-uid.js";

const UUID = "93a018f1-ad95-4d52-bb8f-0f64d7f7cce6";

describe("version uid", () => {
  it("parses the bare and the quoted ETag form", () => {
    const expected = { objectId: UUID, systemId: "local.ehrbase.org", version: 3 };
    expect(parseVersionUid(`${UUID}::local.ehrbase.org::3`)).toEqual(expected);
    expect(parseVersionUid(`"${UUID}::local.ehrbase.org::3"`)).toEqual(expected);
  });

  it("keeps '::' free system ids intact and lower-cases the uuid", () => {
    expect(parseVersionUid(`${UUID.toUpperCase()}::ehrbase.org::12`)).toEqual({
      objectId: UUID,
      systemId: "ehrbase.org",
      version: 12,
    });
  });

  it.each([
    [UUID],
    [`${UUID}::local.ehrbase.org`],
    [`${UUID}::::1`],
    [`${UUID}::sys::0`],
    [`${UUID}::sys::01`],
    [`${UUID}::sys::x`],
    [`not-a-uuid::sys::1`],
    [""],
  ])("rejects %j", (text) => {
    expect(parseVersionUid(text)).toBeUndefined();
    expect(isVersionUid(text)).toBe(false);
  });

  it("formats and round-trips", () => {
    const text = formatVersionUid({ objectId: UUID, systemId: "local.ehrbase.org", version: 1 });
    expect(text).toBe(`${UUID}::local.ehrbase.org::1`);
    expect(isVersionUid(text)).toBe(true);
    expect(parseVersionUid(text)).toEqual({ objectId: UUID, systemId: "local.ehrbase.org", version: 1 });
  });

  it("refuses to format an invalid uid, naming the field", () => {
    expect(() => formatVersionUid({ objectId: "x", systemId: "s", version: 1 })).toThrow(/objectId/);
    expect(() => formatVersionUid({ objectId: UUID, systemId: "a::b", version: 1 })).toThrow(/systemId/);
    expect(() => formatVersionUid({ objectId: UUID, systemId: "s", version: 0 })).toThrow(/version/);
  });
});
