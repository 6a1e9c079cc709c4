import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffCeilingMs, backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.js";

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  baseDelayMs: fc.integer({ min: 0, max: 60_000 }),
  maxDelayMs: fc.integer({ min: 0, max: 3_600_000 }),
  maxAttempts: fc.integer({ min: 1, max: 50 }),
  maxAgeMs: fc.integer({ min: 0, max: 7 * 86_400_000 }),
});
const randomArb = fc.double({ min: 0, max: 1, noNaN: true });

describe("backoffDelayMs", () => {
  it("stays within [0, min(cap, base·2^(attempt-1))] for any policy, attempt and random value", () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 2000 }), randomArb, (policy, attempt, r) => {
        const d = backoffDelayMs(policy, attempt, () => r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(backoffCeilingMs(policy, attempt));
        expect(d).toBeLessThanOrEqual(policy.maxDelayMs);
      }),
    );
  });

  it("uses Retry-After as a floor, capped at maxDelayMs", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 60 }),
        randomArb,
        fc.integer({ min: 0, max: 86_400_000 }),
        (policy, attempt, r, retryAfter) => {
          const d = backoffDelayMs(policy, attempt, () => r, retryAfter);
          expect(d).toBeGreaterThanOrEqual(Math.min(retryAfter, policy.maxDelayMs));
          expect(d).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });

  it("is full jitter: random 0 gives 0, random near 1 approaches the ceiling", () => {
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 3, () => 0.999999)).toBe(3999);
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 30, () => 0.5)).toBe(150_000);
  });

  it("rejects attempt < 1 and invalid policies with a message naming the field", () => {
    expect(() => backoffDelayMs(DEFAULT_RETRY_POLICY, 0)).toThrow("attempt must be an integer >= 1");
    expect(() => backoffDelayMs({ ...DEFAULT_RETRY_POLICY, maxDelayMs: -1 }, 1)).toThrow(
      "RetryPolicy.maxDelayMs",
    );
    expect(() => backoffDelayMs({ ...DEFAULT_RETRY_POLICY, maxAttempts: 0 }, 1)).toThrow(
      "RetryPolicy.maxAttempts",
    );
  });
});
