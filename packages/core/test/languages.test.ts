/**
 * Notes written in each language against the real EHRbase (whichever EHRBASE_URL points at): a
 * delivered language is committed, and reads back with its language on the composition and every
 * entry, its texts intact and the openEHR texts EHRbase checks in that language (pt: "evento");
 * a refused language is rejected before sending naming `language`, and — the reason we refuse it —
 * EHRbase answers 500 when such a note is sent anyway. Prints one evidence line per language.
 */
import { basicAuthHeader, ehrbaseTestConfig, requireEhrbase } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { compositionUuidFor } from "../src/mapping/composition-uid.js";
import { mapFlatToSoapNote, normalizeSoapNote } from "../src/mapping/flat-to-soap.js";
import { prepareSoapComposition } from "../src/mapping/soap-mapping.js";
import { mapSoapNoteToFlat } from "../src/mapping/soap-to-flat.js";
import { SOAP_TEMPLATE_ID } from "../src/templates/soap-template.js";
import { LANGUAGE_CASES, type LanguageCase, languageNote } from "./corpus/languages.js";
import { Ehrbase } from "./helpers/ehrbase.js";

let ehrbase: Ehrbase;
let version = "?";
const evidence: string[] = [];

beforeAll(async () => {
  const config = await requireEhrbase(ehrbaseTestConfig());
  ehrbase = new Ehrbase(config);
  await ehrbase.ensureSoapTemplate();
  const status = await fetch(`${config.baseUrl}/rest/status`, {
    headers: { authorization: basicAuthHeader(config.user, config.password), accept: "application/json" },
  });
  version = ((await status.json()) as { ehrbase_version?: string }).ehrbase_version ?? "?";
});

describe("notes in the patient's language against the real EHRbase", () => {
  it.each(LANGUAGE_CASES.map((c) => [`${c.language} (${c.territory}) is ${c.expect}`, c] as const))(
    "%s",
    async (_name, c: LanguageCase) => {
      const note = languageNote(c);
      const { ehrId, systemId } = await ehrbase.createEhr();
      const prepared = prepareSoapComposition(note, { systemId });
      if (c.expect === "refused") {
        expect(prepared.ok).toBe(false);
        if (prepared.ok) return;
        expect(prepared.errors).toEqual([{ field: "language", message: expect.stringContaining("EHRbase") }]);
        // Sent anyway, EHRbase fails: the upstream bug behind the refusal.
        const response = await ehrbase.postFlat(
          ehrId,
          SOAP_TEMPLATE_ID,
          mapSoapNoteToFlat(note, { systemId }).flat,
        );
        evidence.push(
          `${c.language}\t${version}\trefused before sending\tEHRbase if sent anyway: HTTP ${response.status}`,
        );
        expect(response.status).toBe(500);
        return;
      }
      expect(prepared.ok ? [] : prepared.errors).toEqual([]);
      if (!prepared.ok) return;
      const response = await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, prepared.flat);
      expect(response.status, response.body.slice(0, 300)).toBe(204);
      const back = await ehrbase.getFlat(ehrId, compositionUuidFor(note.noteId));
      const languages = Object.entries(back).filter(([key]) => key.endsWith("/language|code"));
      evidence.push(
        `${c.language}\t${version}\tHTTP ${response.status}\tcategory "${back["soap_note/category|value"]}", ` +
          `setting "${back["soap_note/context/setting|value"]}", ${languages.length} language codes`,
      );
      expect(mapFlatToSoapNote(back)).toEqual(normalizeSoapNote(note));
      expect(languages.length).toBeGreaterThan(1);
      for (const [, code] of languages) expect(code).toBe(c.language);
      expect(back["soap_note/category|value"]).toBe(c.category);
      expect(back["soap_note/context/setting|value"]).toBe(c.setting);
    },
  );

  it("prints the evidence", () => {
    console.log(`languages against EHRbase ${version}:\n${evidence.join("\n")}`);
    expect(evidence.length).toBe(LANGUAGE_CASES.length);
  });
});
