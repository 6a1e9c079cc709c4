/** Which EHRbase answers mean "the template is missing" (the destination's fault) and which do not. */
import { describe, expect, it } from "vitest";
import { observationFromError } from "./observe-error.js";

const missing = { kind: "missing-template", templateId: "t.v1" };

describe("observationFromError", () => {
  it.each([
    [400, "Could not retrieve template for template Id: t.v1"], // EHRbase 2.16, FLAT create
    [422, "Template with the specified id t.v1 does not exist"],
    [500, "template_id t.v1 not found"],
  ])("reads HTTP %i %j as a missing template", (status, serverMessage) => {
    expect(observationFromError({ status, serverMessage }, "t.v1")).toEqual(missing);
  });

  it("keeps any other 400 a plain HTTP outcome (the note is at fault)", () => {
    expect(observationFromError({ status: 400, serverMessage: "Invalid value for path x" }, "t.v1")).toEqual({
      kind: "http",
      status: 400,
    });
  });
});
