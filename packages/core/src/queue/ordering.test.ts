import { describe, expect, it } from "vitest";
import { claimableJobs, type OrderingJob, onEnqueue } from "./ordering.js";

function job(
  id: string,
  sequence: number,
  state: OrderingJob["state"],
  extra: Partial<OrderingJob> = {},
): OrderingJob {
  return { id, patientKey: "p1", noteKey: "n1", noteVersion: sequence, sequence, state, runAt: 0, ...extra };
}

describe("claimableJobs", () => {
  it("strict waits on older active jobs of the patient but not on dead ones", () => {
    const jobs = [
      job("a", 1, "dead"),
      job("b", 2, "retry_scheduled"),
      job("c", 3, "pending", { noteKey: "n2" }),
    ];
    expect(claimableJobs(jobs, "strict", 0).map((j) => j.id)).toEqual(["b"]);
    expect(claimableJobs(jobs, "supersede", 0).map((j) => j.id)).toEqual(["b", "c"]);
    expect(claimableJobs(jobs, "independent", 0).map((j) => j.id)).toEqual(["b", "c"]);
  });

  it("never offers a job before its runAt, nor leased or terminal jobs", () => {
    const jobs = [
      job("a", 1, "pending", { runAt: 10 }),
      job("b", 2, "leased", { patientKey: "p2" }),
      job("c", 3, "succeeded", { patientKey: "p3" }),
    ];
    expect(claimableJobs(jobs, "independent", 9)).toEqual([]);
    expect(claimableJobs(jobs, "independent", 10).map((j) => j.id)).toEqual(["a"]);
  });
});

describe("onEnqueue", () => {
  it("supersede replaces waiting older versions, not leased ones", () => {
    const existing = [
      job("a", 1, "pending"),
      job("b", 2, "leased"),
      job("c", 3, "retry_scheduled"),
      job("d", 4, "dead"),
    ];
    expect(onEnqueue(existing, job("e", 5, "pending"), "supersede")).toEqual({
      type: "supersede",
      jobIds: ["a", "c"],
      supersededBy: "e",
    });
  });

  it("supersede drops a stale version that arrives after a newer one", () => {
    const existing = [job("new", 1, "pending", { noteVersion: 7 })];
    expect(onEnqueue(existing, job("old", 2, "pending", { noteVersion: 3 }), "supersede")).toEqual({
      type: "supersede",
      jobIds: ["old"],
      supersededBy: "new",
    });
  });

  it("strict and independent keep every version", () => {
    const existing = [job("a", 1, "pending")];
    expect(onEnqueue(existing, job("b", 2, "pending"), "strict")).toEqual({ type: "none" });
    expect(onEnqueue(existing, job("b", 2, "pending"), "independent")).toEqual({ type: "none" });
  });
});
