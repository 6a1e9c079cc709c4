import { describe, expect, it } from "vitest";
import {
  applyDecision,
  claimJob,
  createJob,
  releaseJob,
  requeueDeadJob,
  rescueExpiredLease,
  retryBudgetFor,
  supersedeJob,
} from "./job.js";

const t0 = 1_000;
const fresh = () =>
  createJob({ id: "j1", patientKey: "p1", noteKey: "n1", noteVersion: 1, sequence: 1, now: t0 });

describe("Job transitions", () => {
  it("counts the attempt when the outcome is applied and clears the lease", () => {
    const leased = claimJob(fresh(), t0, "tok", 500);
    expect(leased).toMatchObject({
      state: "leased",
      attempts: 0,
      leaseToken: "tok",
      leaseExpiresAt: t0 + 500,
    });
    const retried = applyDecision(
      leased,
      { type: "retry", delayMs: 200, reconcileFirst: true, errorClass: "http-502", reason: "x" },
      t0 + 10,
    );
    expect(retried).toMatchObject({
      state: "retry_scheduled",
      attempts: 1,
      runAt: t0 + 210,
      reconcileFirst: true,
      lastErrorClass: "http-502",
    });
    expect(retried.leaseToken).toBeUndefined();
  });

  it("a destination pause returns the job to pending without spending an attempt", () => {
    const paused = applyDecision(
      claimJob(fresh(), t0, "tok", 500),
      { type: "pause-destination", delayMs: 1000, errorClass: "http-401", reason: "x", refundAttempt: true },
      t0,
    );
    expect(paused).toMatchObject({ state: "pending", attempts: 0, runAt: t0 + 1000 });
  });

  it("rescue counts the attempt and forces a reconcile; release does neither", () => {
    const leased = claimJob(fresh(), t0, "tok", 500);
    expect(() => rescueExpiredLease(leased, t0 + 100)).toThrow("has not expired");
    expect(rescueExpiredLease(leased, t0 + 500)).toMatchObject({
      state: "pending",
      attempts: 1,
      reconcileFirst: true,
    });
    expect(releaseJob(leased, t0 + 1)).toMatchObject({
      state: "pending",
      attempts: 0,
      reconcileFirst: false,
    });
  });

  it("requeue of a dead job keeps the attempt total but restarts the retry budget", () => {
    const dead = applyDecision(
      claimJob(fresh(), t0, "tok", 500),
      { type: "dead", errorClass: "http-422", reason: "x" },
      t0,
    );
    expect(() => claimJob(dead, t0, "t2", 500)).toThrow("Invalid job transition dead → leased (claim)");
    const requeued = requeueDeadJob(dead, t0 + 5);
    expect(requeued).toMatchObject({ state: "pending", attempts: 1, requeues: 1, windowStartedAt: t0 + 5 });
    expect(retryBudgetFor(requeued)).toEqual({ attempts: 1, firstEnqueuedAt: t0 + 5 });
  });

  it("refuses to supersede a leased job, or claim a job before it is due", () => {
    expect(() => supersedeJob(claimJob(fresh(), t0, "tok", 500), "j2", t0)).toThrow("leased");
    expect(() => claimJob({ ...fresh(), runAt: t0 + 1 }, t0, "tok", 500)).toThrow("not due");
    expect(() =>
      createJob({ id: "", patientKey: "p", noteKey: "n", noteVersion: 1, sequence: 1, now: 0 }),
    ).toThrow("NewJob.id");
  });
});
