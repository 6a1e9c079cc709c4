import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffCeilingMs,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  exponentialBackoffMs,
  type RetryPolicy,
} from "./backoff.js";

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

describe("exponentialBackoffMs", () => {
  it("doubles from the base and stops at the cap", () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      exponentialBackoffMs(n, { baseMs: 500, capMs: 10_000 }),
    );
    expect(schedule).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    expect(exponentialBackoffMs(5_000, { baseMs: 200, capMs: 5_000 })).toBe(5_000);
  });

  it("gives the Node worker's database-retry schedule (formerly min(10 s, 250 ms·2^min(n, 6)))", () => {
    for (let failures = 1; failures <= 50; failures++) {
      expect(exponentialBackoffMs(failures, { baseMs: 500, capMs: 10_000 })).toBe(
        Math.min(10_000, 250 * 2 ** Math.min(failures, 6)),
      );
    }
  });

  it("jitters fully in [0, ceiling] or equally in [ceiling/2, ceiling]", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), randomArb, (attempt, r) => {
        const options = { baseMs: 1_000, capMs: 300_000, random: () => r };
        const ceiling = exponentialBackoffMs(attempt, options);
        const full = exponentialBackoffMs(attempt, { ...options, jitter: "full" });
        const equal = exponentialBackoffMs(attempt, { ...options, jitter: "equal" });
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(ceiling);
        expect(equal).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(equal).toBeLessThanOrEqual(ceiling);
      }),
    );
    expect(exponentialBackoffMs(3, { baseMs: 1_000, capMs: 60_000, jitter: "full", random: () => 0 })).toBe(
      0,
    );
    expect(exponentialBackoffMs(3, { baseMs: 1_000, capMs: 60_000, jitter: "equal", random: () => 0 })).toBe(
      2_000,
    );
  });

  it("rejects a bad attempt or option with a message naming it", () => {
    expect(() => exponentialBackoffMs(0, { baseMs: 1, capMs: 1 })).toThrow("attempt must be an integer >= 1");
    expect(() => exponentialBackoffMs(1, { baseMs: -1, capMs: 1 })).toThrow("baseMs");
    expect(() => exponentialBackoffMs(1, { baseMs: 1, capMs: Number.NaN })).toThrow("capMs");
  });
});
