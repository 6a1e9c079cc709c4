/** Bad retry delays are refused when the client is made, naming the option (not at the first retry). */
import { describe, expect, it } from "vitest";
import { EhrbaseClient } from "../src/index.js";

const baseUrl = "http://127.0.0.1:8085/ehrbase";

describe("retry options", () => {
  it.each([
    [{ baseDelayMs: -1 }, /retry\.baseDelayMs/],
    [{ baseDelayMs: Number.NaN }, /retry\.baseDelayMs/],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, /retry\.maxDelayMs/],
  ])("refuses %o", (retry, message) => {
    expect(() => new EhrbaseClient({ baseUrl, retry })).toThrow(message);
  });

  it("accepts zero and the defaults", () => {
    expect(() => new EhrbaseClient({ baseUrl, retry: { baseDelayMs: 0, maxDelayMs: 0 } })).not.toThrow();
    expect(() => new EhrbaseClient({ baseUrl })).not.toThrow();
  });
});
