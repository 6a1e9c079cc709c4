import { describe, expect, it } from "vitest";
import { type AttemptObservation, classifyAttempt, type OutcomeClass } from "./classify-outcome.js";

describe("classifyAttempt per HTTP status", () => {
  const cases: Array<[number, OutcomeClass, string]> = [
    [200, "success", "none"],
    [201, "success", "none"],
    [204, "success", "none"],
    [400, "permanent", "http-400"],
    [401, "systemic", "http-401"],
    [403, "systemic", "http-403"],
    [404, "transient", "ehr-not-found"],
    [408, "ambiguous", "http-408"],
    [409, "permanent", "http-409"],
    [412, "permanent", "http-412"],
    [415, "permanent", "http-415"],
    [422, "permanent", "http-422"],
    [425, "ambiguous", "http-425"],
    [429, "transient", "http-429"],
    [500, "ambiguous", "http-500"],
    [502, "ambiguous", "http-502"],
    [503, "transient", "http-503"],
    [504, "ambiguous", "http-504"],
    [418, "permanent", "http-418"],
    [302, "permanent", "http-302"],
  ];
  it.each(cases)("HTTP %i → %s (%s)", (status, outcome, errorClass) => {
    const c = classifyAttempt({ kind: "http", status });
    expect(c.outcome).toBe(outcome);
    expect(c.errorClass).toBe(errorClass);
    expect(c.reason.length).toBeGreaterThan(0);
  });

  it("412 with uid already existing is ambiguous: the composition landed, reconcile then complete", () => {
    expect(classifyAttempt({ kind: "http", status: 412, uidAlreadyExists: true })).toMatchObject({
      outcome: "ambiguous",
      errorClass: "uid-already-exists",
    });
  });

  it("carries Retry-After on 429 and 503, ignores negative or non-finite values", () => {
    expect(classifyAttempt({ kind: "http", status: 429, retryAfterMs: 7000 }).retryAfterMs).toBe(7000);
    expect(classifyAttempt({ kind: "http", status: 503, retryAfterMs: 2000 }).retryAfterMs).toBe(2000);
    expect(classifyAttempt({ kind: "http", status: 429, retryAfterMs: -1 }).retryAfterMs).toBeUndefined();
    expect(
      classifyAttempt({ kind: "http", status: 503, retryAfterMs: Number.NaN }).retryAfterMs,
    ).toBeUndefined();
  });
});

describe("classifyAttempt for non-HTTP observations", () => {
  const cases: Array<[AttemptObservation, OutcomeClass, string]> = [
    [{ kind: "success", versionUid: "u::n::1" }, "success", "none"],
    [{ kind: "timeout", requestSent: true }, "ambiguous", "timeout-after-send"],
    [{ kind: "timeout", requestSent: false }, "transient", "timeout-before-send"],
    [{ kind: "network", requestSent: true }, "ambiguous", "network-after-send"],
    [{ kind: "network", requestSent: false }, "transient", "network-before-send"],
    [
      { kind: "invalid-input", field: "subjective", reason: "must not be empty" },
      "permanent",
      "invalid-input",
    ],
    [{ kind: "missing-template", templateId: "soap.v1" }, "systemic", "missing-template"],
  ];
  it.each(cases)("%j → %s", (observation, outcome, errorClass) => {
    const c = classifyAttempt(observation);
    expect(c.outcome).toBe(outcome);
    expect(c.errorClass).toBe(errorClass);
  });

  it("names the invalid field and the template in the reason", () => {
    expect(classifyAttempt({ kind: "invalid-input", field: "plan", reason: "too long" }).reason).toContain(
      '"plan"',
    );
    expect(classifyAttempt({ kind: "missing-template", templateId: "soap.v1" }).reason).toContain("soap.v1");
  });
});
