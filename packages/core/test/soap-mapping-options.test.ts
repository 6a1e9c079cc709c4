/**
 * createSoapMapping(options): the options reach the FLAT it prepares (source system, id namespace,
 * setting) and the validation it runs (clock and future tolerance), instead of being dropped.
 */
import { describe, expect, it } from "vitest";
import { SOAP_PATHS, SOAP_ROOT } from "../src/mapping/soap-flat-paths.js";
import { createSoapMapping } from "../src/mapping/soap-mapping.js";
import { baseNote } from "./helpers/notes.js";

const systemId = "local.ehrbase.org";
const AUDIT_SYSTEM = `${SOAP_ROOT}/_feeder_audit/originating_system_audit|system_id`;

describe("createSoapMapping(options)", () => {
  it("uses the defaults when given nothing", () => {
    const prepared = createSoapMapping().prepare(baseNote(), { systemId });
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    expect(prepared.flat[AUDIT_SYSTEM]).toBe("ehr-sync");
    expect(prepared.flat["ctx/id_namespace"]).toBe("ehr-sync");
    expect(prepared.flat[`${SOAP_PATHS.setting}|code`]).toBe("238");
  });

  it("writes the source system, id namespace and setting it is given", () => {
    const mapping = createSoapMapping({
      sourceSystem: "clinic-app",
      idNamespace: "clinic-staff",
      setting: "225",
    });
    const prepared = mapping.prepare(baseNote(), { systemId });
    expect(prepared.ok, JSON.stringify(prepared.ok ? [] : prepared.errors)).toBe(true);
    if (!prepared.ok) return;
    expect(prepared.flat[AUDIT_SYSTEM]).toBe("clinic-app");
    expect(prepared.flat["ctx/id_namespace"]).toBe("clinic-staff");
    expect(prepared.flat[`${SOAP_PATHS.setting}|code`]).toBe("225");
    expect(prepared.flat[`${SOAP_PATHS.setting}|value`]).toBe("home");
  });

  it("validates with the clock and future tolerance it is given", () => {
    const note = baseNote({ signedAt: "2026-03-02T12:00:00Z" });
    const now = new Date("2026-03-02T11:00:00Z");
    const strict = createSoapMapping({ now, futureToleranceMs: 0 }).prepare(note, { systemId });
    expect(strict.ok ? [] : strict.errors.map((e) => e.field)).toEqual(["signedAt"]);
    const lenient = createSoapMapping({ now, futureToleranceMs: 3_600_000 }).prepare(note, { systemId });
    expect(lenient.ok).toBe(true);
  });

  it("refuses a setting code the openEHR terminology does not have, naming the path", () => {
    const prepared = createSoapMapping({ setting: "999" }).prepare(baseNote(), { systemId });
    expect(prepared.ok).toBe(false);
    if (!prepared.ok) expect(prepared.errors.map((e) => e.field).join(" ")).toContain(SOAP_PATHS.setting);
  });
});
