import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canTransition,
  InvalidTransitionError,
  JOB_STATES,
  TRANSITIONS,
} from "./states.js";

describe("transition table", () => {
  it("succeeded absorbs; dead only leaves through the operator requeue to pending", () => {
    expect(TRANSITIONS.succeeded).toEqual([]);
    expect(TRANSITIONS.dead).toEqual(["pending"]);
    for (const to of JOB_STATES) expect(canTransition("succeeded", to)).toBe(false);
  });

  it("only a lease reaches retry_scheduled or dead", () => {
    for (const from of JOB_STATES) {
      expect(canTransition(from, "retry_scheduled")).toBe(from === "leased");
      expect(canTransition(from, "dead")).toBe(from === "leased");
    }
  });

  it("assertTransition names both states, the action and what is allowed", () => {
    expect(() => assertTransition("succeeded", "leased", "claim")).toThrow(InvalidTransitionError);
    expect(() => assertTransition("succeeded", "leased", "claim")).toThrow(
      "Invalid job transition succeeded → leased (claim); allowed from succeeded: none (terminal)",
    );
    expect(() => assertTransition("pending", "dead")).toThrow("allowed from pending: leased, succeeded");
    expect(() => assertTransition("pending", "leased")).not.toThrow();
  });
});
