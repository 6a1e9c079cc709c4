import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.js";
import { classifyAttempt } from "./classify-outcome.js";
import { decideAfterAttempt } from "./decide.js";

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 3, maxAgeMs: 3_600_000 };
const t0 = 1_700_000_000_000;
const half = () => 0.5;

describe("decideAfterAttempt", () => {
  it("completes on success and carries the version uid", () => {
    const c = classifyAttempt({ kind: "success" });
    expect(
      decideAfterAttempt({
        attempts: 1,
        firstEnqueuedAt: t0,
        now: t0,
        classification: c,
        versionUid: "u::n::1",
      }),
    ).toEqual({
      type: "complete",
      versionUid: "u::n::1",
    });
  });

  it("sends permanent failures to dead at once with the reason", () => {
    const c = classifyAttempt({ kind: "http", status: 422 });
    expect(
      decideAfterAttempt({ attempts: 1, firstEnqueuedAt: t0, now: t0, classification: c, policy }),
    ).toEqual({
      type: "dead",
      errorClass: "http-422",
      reason: c.reason,
    });
  });

  it("retries ambiguous outcomes with reconcile first, transient ones without", () => {
    const amb = decideAfterAttempt({
      attempts: 1,
      firstEnqueuedAt: t0,
      now: t0,
      policy,
      random: half,
      classification: classifyAttempt({ kind: "timeout", requestSent: true }),
    });
    expect(amb).toEqual({
      type: "retry",
      delayMs: 500,
      reconcileFirst: true,
      errorClass: "timeout-after-send",
      reason: expect.any(String),
    });
    const tr = decideAfterAttempt({
      attempts: 2,
      firstEnqueuedAt: t0,
      now: t0,
      policy,
      random: half,
      classification: classifyAttempt({ kind: "http", status: 429, retryAfterMs: 5000 }),
    });
    expect(tr).toMatchObject({ type: "retry", delayMs: 5000, reconcileFirst: false });
  });

  it("dead-letters at max attempts and flags reconcile when the last attempt was ambiguous", () => {
    const d = decideAfterAttempt({
      attempts: 3,
      firstEnqueuedAt: t0,
      now: t0,
      policy,
      classification: classifyAttempt({ kind: "http", status: 502 }),
    });
    expect(d).toMatchObject({
      type: "dead",
      errorClass: "max-attempts-exceeded",
      reconcileBeforeRedrive: true,
    });
  });

  it("dead-letters when the next try would start past the max age", () => {
    const d = decideAfterAttempt({
      attempts: 1,
      firstEnqueuedAt: t0,
      now: t0 + policy.maxAgeMs,
      policy,
      random: half,
      classification: classifyAttempt({ kind: "http", status: 503 }),
    });
    expect(d).toMatchObject({ type: "dead", errorClass: "max-age-exceeded" });
  });

  it("pauses the destination when nothing reached EHRbase, refunding the attempt past max attempts and age", () => {
    for (const observation of [
      { kind: "network", requestSent: false },
      { kind: "timeout", requestSent: false },
    ] as const) {
      const d = decideAfterAttempt({
        attempts: 99,
        firstEnqueuedAt: t0,
        now: t0 + 10 * policy.maxAgeMs,
        policy,
        random: half,
        classification: classifyAttempt(observation),
      });
      expect(d).toMatchObject({ type: "pause-destination", refundAttempt: true });
    }
  });

  it("pauses the destination on systemic failures, refunding the attempt even past max attempts and age", () => {
    const d = decideAfterAttempt({
      attempts: 99,
      firstEnqueuedAt: t0,
      now: t0 + 10 * policy.maxAgeMs,
      policy,
      random: half,
      destinationPauses: 3,
      classification: classifyAttempt({ kind: "http", status: 401 }),
    });
    expect(d).toEqual({
      type: "pause-destination",
      delayMs: 3000,
      errorClass: "http-401",
      reason: expect.any(String),
      refundAttempt: true,
    });
  });

  it("grows a pause with the destination's consecutive pauses, up to the cap, never below half the ceiling", () => {
    const pauseFor = (destinationPauses: number, status: number | "unreachable", random = () => 0) =>
      decideAfterAttempt({
        attempts: 1,
        firstEnqueuedAt: t0,
        now: t0,
        policy,
        random,
        destinationPauses,
        classification: classifyAttempt(
          status === "unreachable" ? { kind: "network", requestSent: false } : { kind: "http", status },
        ),
      });
    const auth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(
      (n) => (pauseFor(n, 401) as { delayMs: number }).delayMs,
    );
    // Equal jitter at its lowest: half of min(cap, base·2^(n-1)); the auth cap is the policy's maxDelayMs.
    expect(auth).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect((pauseFor(20, 401, () => 1) as { delayMs: number }).delayMs).toBe(policy.maxDelayMs);
    // Unreachable: capped lower, so the backlog moves soon after EHRbase is back.
    expect((pauseFor(20, "unreachable", () => 1) as { delayMs: number }).delayMs).toBe(30_000);
  });

  it("uses the default policy when none is given and rejects attempts < 1", () => {
    const c = classifyAttempt({ kind: "http", status: 503 });
    const d = decideAfterAttempt({
      attempts: DEFAULT_RETRY_POLICY.maxAttempts,
      firstEnqueuedAt: t0,
      now: t0,
      classification: c,
    });
    expect(d).toMatchObject({ type: "dead", errorClass: "max-attempts-exceeded" });
    expect(() =>
      decideAfterAttempt({ attempts: 0, firstEnqueuedAt: t0, now: t0, classification: c }),
    ).toThrow("DecideInput.attempts");
  });
});
