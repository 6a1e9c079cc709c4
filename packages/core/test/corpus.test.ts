/**
 * Runs the note corpus against the real EHRbase. For every note:
 *  - client verdict: validateSoapNote → map → validateFlat (prepareSoapComposition);
 *  - server verdict: the note mapped anyway (when mapping is possible) and POSTed as FLAT.
 * Proves: accepted notes are committed (204) and read back unchanged; rejected notes name the
 * expected fields without quoting values; the web-template validator agrees with EHRbase on every
 * mappable note; the client never accepts what EHRbase refuses. Prints the agreement figures.
 */
import { ehrbaseTestConfig, requireEhrbase } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { compositionUuidFor } from "../src/mapping/composition-uid.js";
import { flatViolationsAsErrors } from "../src/mapping/custom-mapping.js";
import { mapFlatToSoapNote, normalizeSoapNote } from "../src/mapping/flat-to-soap.js";
import { prepareSoapComposition } from "../src/mapping/soap-mapping.js";
import { mapSoapNoteToFlat } from "../src/mapping/soap-to-flat.js";
import type { FieldError, SoapNote } from "../src/soap/note.js";
import { SOAP_TEMPLATE_ID } from "../src/templates/soap-template.js";
import { SOAP_WEB_TEMPLATE } from "../src/templates/soap-web-template.js";
import { CORPUS, type CorpusCase } from "./corpus/notes.js";
import { Ehrbase } from "./helpers/ehrbase.js";

interface Outcome {
  corpusCase: CorpusCase;
  clientOk: boolean;
  errors: FieldError[];
  /** undefined when the input cannot even be mapped (e.g. no note id). */
  flatValidatorOk?: boolean;
  serverStatus?: number;
  serverMessage?: string;
  roundTrip?: { actual: SoapNote; expected: SoapNote };
}

const outcomes = new Map<string, Outcome>();
let ehrbase: Ehrbase;

function tryMap(input: unknown, systemId: string): Record<string, unknown> | undefined {
  try {
    return mapSoapNoteToFlat(input as SoapNote, { systemId }).flat;
  } catch (error) {
    // A shape the mapper cannot walk (it expects a validated note): unmappable, nothing else.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

beforeAll(async () => {
  ehrbase = new Ehrbase(await requireEhrbase(ehrbaseTestConfig()));
  await ehrbase.ensureSoapTemplate();
  for (const corpusCase of CORPUS) {
    const { ehrId, systemId } = await ehrbase.createEhr();
    const prepared = prepareSoapComposition(corpusCase.input, { systemId });
    const outcome: Outcome = {
      corpusCase,
      clientOk: prepared.ok,
      errors: prepared.ok ? [] : prepared.errors,
    };
    const flat = prepared.ok ? prepared.flat : tryMap(corpusCase.input, systemId);
    if (flat) {
      outcome.flatValidatorOk = flatViolationsAsErrors(SOAP_WEB_TEMPLATE, flat).length === 0;
      const response = await ehrbase.postFlat(ehrId, SOAP_TEMPLATE_ID, flat);
      outcome.serverStatus = response.status;
      outcome.serverMessage = response.status >= 300 ? response.body.slice(0, 300) : undefined;
      if (prepared.ok && response.status === 204) {
        const back = await ehrbase.getFlat(ehrId, compositionUuidFor(prepared.input.noteId));
        outcome.roundTrip = { actual: mapFlatToSoapNote(back), expected: normalizeSoapNote(prepared.input) };
      }
    }
    outcomes.set(corpusCase.name, outcome);
  }
}, 600_000);

describe("SOAP note corpus against the real EHRbase", () => {
  it("has at least 30 notes", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))("%s", (name, corpusCase) => {
    const outcome = outcomes.get(name);
    expect(outcome).toBeDefined();
    if (!outcome) return;
    if (!corpusCase.rejects) {
      expect(outcome.errors).toEqual([]);
      expect(outcome.serverStatus, outcome.serverMessage).toBe(204);
      // read back from EHRbase: both sides must exist, or two undefined would compare equal
      expect(outcome.roundTrip, "the composition was read back").toBeDefined();
      expect(outcome.roundTrip?.expected).toBeDefined();
      expect(outcome.roundTrip?.actual).toEqual(outcome.roundTrip?.expected);
      return;
    }
    expect(outcome.clientOk).toBe(false);
    const fields = outcome.errors.map((e) => e.field);
    for (const field of corpusCase.rejects) expect(fields).toContain(field);
    // Messages name the field and the rule; they never echo the input's text values.
    for (const error of outcome.errors) {
      expect(error.message.length).toBeGreaterThan(0);
      for (const value of stringValues(corpusCase.input)) {
        if (value.trim().length >= 4) expect(error.message).not.toContain(value);
      }
    }
  });

  it("the web-template validator agrees with EHRbase on every mappable note, and the client never accepts what EHRbase refuses", () => {
    const mapped = [...outcomes.values()].filter((o) => o.serverStatus !== undefined);
    const serverOk = (o: Outcome) => o.serverStatus === 204;
    const agreeing = mapped.filter((o) => o.flatValidatorOk === serverOk(o));
    const clientAcceptedServerRefused = mapped.filter((o) => o.clientOk && !serverOk(o));
    const stricter = mapped.filter((o) => !o.clientOk && serverOk(o));
    const bothRejected = mapped.filter((o) => !o.clientOk && !serverOk(o));
    const pct = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)} %`);
    const lines = [
      `corpus: ${outcomes.size} notes; mapped and posted to EHRbase: ${mapped.length}`,
      `web-template validator vs EHRbase: ${agreeing.length}/${mapped.length} agree (${pct(agreeing.length, mapped.length)})`,
      `client accepted + EHRbase accepted: ${mapped.filter((o) => o.clientOk && serverOk(o)).length}`,
      `client rejected + EHRbase rejected: ${bothRejected.length}`,
      `client rejected by note rules EHRbase does not check (stricter by design): ${stricter.length}` +
        (stricter.length
          ? ` — ${stricter.map((o) => `${o.corpusCase.name} [${o.errors.map((e) => e.field).join(", ")}]`).join("; ")}`
          : ""),
      `client accepted but EHRbase refused: ${clientAcceptedServerRefused.length}`,
    ];
    for (const o of mapped.filter((x) => x.flatValidatorOk !== serverOk(x))) {
      lines.push(
        `DISAGREEMENT: ${o.corpusCase.name}: validateFlat ok=${o.flatValidatorOk}, EHRbase ${o.serverStatus} ${o.serverMessage ?? ""}`,
      );
    }
    console.log(lines.join("\n"));
    expect(mapped.filter((o) => o.flatValidatorOk !== serverOk(o)).map((o) => o.corpusCase.name)).toEqual([]);
    expect(clientAcceptedServerRefused.map((o) => o.corpusCase.name)).toEqual([]);
  });
});

function stringValues(input: unknown, out: string[] = []): string[] {
  if (typeof input === "string") out.push(input);
  else if (Array.isArray(input)) for (const item of input) stringValues(item, out);
  else if (input && typeof input === "object")
    for (const [key, value] of Object.entries(input)) {
      // Code-system names and UCUM units are vocabulary the messages may cite, not patient data.
      if (key !== "system" && key !== "unit") stringValues(value, out);
    }
  return out;
}
