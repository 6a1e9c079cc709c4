import { fixturesPresent, readFixture } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { indexWebTemplate, parseFlatKey } from "./flat-paths.js";
import type { WebTemplate } from "./web-template.js";

let corona: WebTemplate;

// Needs the fixture corpus (../shared/fixtures); without it the tests below are skipped and counted.
beforeAll(async () => {
  if (!fixturesPresent()) return;
  corona = JSON.parse(await readFixture("webtemplates", "corona_anamnese.json"));
});

describe.runIf(fixturesPresent())("indexWebTemplate", () => {
  it("indexes FLAT path patterns with :n for repeatable nodes", () => {
    const index = indexWebTemplate(corona);
    expect(index.root.id).toBe("bericht");
    const story = index.byPattern.get("bericht/geschichte_historie:n/beliebiges_ereignis:n/geschichte:n");
    expect(story?.rmType).toBe("DV_TEXT");
    expect(story?.repeatable).toBe(true);
    const temperature = index.byPattern.get("bericht/symptome/körpertemperatur/temperatur");
    expect(temperature?.rmType).toBe("DV_QUANTITY");
    expect([...(temperature?.suffixes ?? [])]).toEqual(expect.arrayContaining(["magnitude", "unit"]));
    expect(index.byPattern.get("bericht/context")?.rmAttributes.has("_health_care_facility")).toBe(true);
  });

  it("builds the index once per web-template object", () => {
    // Compare identities as booleans: printing an index (with parent links) on failure is very slow.
    const first = indexWebTemplate(corona);
    const again = indexWebTemplate(corona);
    const ofCopy = indexWebTemplate({ ...corona });
    expect(first === again).toBe(true);
    expect(ofCopy === first).toBe(false);
  });

  it("names the missing field for a malformed web template", () => {
    expect(() => indexWebTemplate({} as WebTemplate)).toThrow(/tree\.id/);
  });
});

describe("parseFlatKey", () => {
  it("splits segments, indices and the suffix", () => {
    expect(parseFlatKey("a/b:0/c:12|magnitude")).toEqual({
      segments: [
        { name: "a", index: undefined },
        { name: "b", index: 0 },
        { name: "c", index: 12 },
      ],
      suffix: "magnitude",
      wellFormed: true,
    });
  });

  it("flags malformed keys", () => {
    expect(parseFlatKey("a//b").wellFormed).toBe(false);
    expect(parseFlatKey("a|x/b").wellFormed).toBe(false);
    expect(parseFlatKey("a/b|").wellFormed).toBe(false);
    expect(Number.isNaN(parseFlatKey("a/b:x").segments[1]?.index)).toBe(true);
  });
});
