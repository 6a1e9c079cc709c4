/**
 * A client or an error made by another copy of this package — the CommonJS build beside the ESM one,
 * or a second installed version — is still recognised: brand checks, not `instanceof`.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { type AnyEhrbaseError, isEhrbaseClient, isEhrbaseError, isEhrbaseInputError } from "../src/index.js";

// The built CommonJS bundle: a separate copy of every class (turbo builds it before the tests).
const cjs = createRequire(import.meta.url)("../dist/index.cjs") as typeof import("../src/index.js");
const details = { method: "POST", path: "/ehrbase/rest/openehr/v1/ehr", status: 422 };

describe("brand checks across copies of the package", () => {
  it("recognise a client from the CommonJS build", () => {
    const client = new cjs.EhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" });
    expect(isEhrbaseClient(client)).toBe(true);
    expect(isEhrbaseClient({ baseUrl: "http://127.0.0.1:8085/ehrbase" })).toBe(false);
    expect(isEhrbaseClient(null)).toBe(false);
  });

  it("recognise errors from the CommonJS build, and narrow them by code", () => {
    const error: unknown = new cjs.EhrbaseValidationError({
      ...details,
      serverMessage: "/content[openEHR-EHR-SECTION.adhoc.v1]: too many, /context: missing",
    });
    expect(isEhrbaseError(error)).toBe(true);
    if (!isEhrbaseError(error)) return;
    // Type-checked: `violations` exists only once `code` has narrowed the union.
    const violations = error.code === "validation_failed" ? error.violations.map((v) => v.path) : [];
    expect(violations).toEqual(["/content[openEHR-EHR-SECTION.adhoc.v1]", "/context"]);
    expect(isEhrbaseError(new Error("plain"))).toBe(false);
    expect(isEhrbaseInputError(new cjs.EhrbaseInputError("subject.namespace", "must not contain dots"))).toBe(
      true,
    );
    expect(isEhrbaseInputError(error)).toBe(false);
  });

  it("give every error class its own literal code", () => {
    const codes = [400, 401, 404, 409, 412, 415, 422, 500, 429].map(
      (status) => (cjs.errorForStatus(status, details) as AnyEhrbaseError).code,
    );
    expect(codes).toEqual([
      "bad_request",
      "unauthorized",
      "not_found",
      "conflict",
      "precondition_failed",
      "unsupported_media_type",
      "validation_failed",
      "server_error",
      "unexpected_status",
    ]);
  });
});
