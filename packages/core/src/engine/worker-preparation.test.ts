import { describe, expect, it } from "vitest";
import { SOAP_TEMPLATE_ID } from "../templates/soap-template-id.js";
import { prepareWorker, shipsTemplate } from "./worker-preparation.js";

const quiet = { info: () => {}, warn: () => {}, error: () => {}, fatal: () => {} };

describe("shipsTemplate", () => {
  it("uploads the shipped template with the shipped mapping, or when asked to", () => {
    expect(shipsTemplate({}, SOAP_TEMPLATE_ID)).toBe(true);
    expect(shipsTemplate({ ensureTemplate: false }, SOAP_TEMPLATE_ID)).toBe(false);
    expect(shipsTemplate({ mapping: {} }, SOAP_TEMPLATE_ID)).toBe(false);
    expect(shipsTemplate({ mapping: {}, ensureTemplate: true }, SOAP_TEMPLATE_ID)).toBe(true);
    expect(shipsTemplate({ ensureTemplate: true }, "other.v1")).toBe(false);
  });
});

describe("prepareWorker", () => {
  it("saves the retry limits, ensures the template and resolves the system id", async () => {
    const saved: number[][] = [];
    let ensured = false;
    const systemId = await prepareWorker({
      retryPolicy: { maxAttempts: 7, maxAgeMs: 1_000, baseDelayMs: 1, maxDelayMs: 2 } as never,
      setRetryLimits: async (attempts, ageMs) => {
        saved.push([attempts, ageMs]);
      },
      ensureTemplate: async () => {
        ensured = true;
      },
      systemId: async () => "sys",
      logger: quiet,
    });
    expect({ saved, ensured, systemId }).toEqual({ saved: [[7, 1_000]], ensured: true, systemId: "sys" });
  });

  it("is not stopped by failures: they are logged with their code only", async () => {
    const warnings: object[] = [];
    const failing = (code: string) => async () => {
      throw Object.assign(new Error("secret detail"), { code });
    };
    const systemId = await prepareWorker({
      retryPolicy: { maxAttempts: 1, maxAgeMs: 1 } as never,
      setRetryLimits: failing("ECONNREFUSED"),
      ensureTemplate: failing("network_error"),
      systemId: failing("not_found"),
      logger: { ...quiet, warn: (fields) => warnings.push(fields) },
    });
    expect(systemId).toBeUndefined();
    expect(warnings).toEqual([
      { event: "retry_limits_not_saved", code: "ECONNREFUSED" },
      { event: "template_upload_failed", code: "network_error" },
    ]);
  });
});
