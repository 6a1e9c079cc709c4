/**
 * The TypeScript side of the vocabulary agrees with itself: the engine's result and attempt-log types
 * use exactly these names (checked by the compiler), and every queue state has one app status. The
 * SQL side is checked against a migrated database in adapter-node's test/vocabulary.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "./engine/ports.js";
import type { JobOutcome } from "./engine/process-job.js";
import {
  APP_SYNC_STATUSES,
  ATTEMPT_OUTCOMES,
  type AttemptOutcome,
  appStatusOf,
  FINISHED_QUEUE_STATES,
  JOB_RESULTS,
  type JobResult,
  QUEUE_STATES,
  UNFINISHED_QUEUE_STATES,
} from "./vocabulary.js";

/** true only when A and B are the same union (a compile error otherwise, below). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const jobResultsAreTheEngines: Same<JobOutcome["type"], JobResult> = true;
const attemptOutcomesAreTheLogs: Same<AttemptRecord["outcome"], AttemptOutcome> = true;

describe("vocabulary", () => {
  it("names the engine's job results and the attempt log's outcomes (compile-time check)", () => {
    expect([jobResultsAreTheEngines, attemptOutcomesAreTheLogs]).toEqual([true, true]);
    expect(new Set(JOB_RESULTS).size).toBe(JOB_RESULTS.length);
    expect(new Set(ATTEMPT_OUTCOMES).size).toBe(ATTEMPT_OUTCOMES.length);
  });

  it("splits the queue states into unfinished and finished, without overlap", () => {
    expect([...UNFINISHED_QUEUE_STATES, ...FINISHED_QUEUE_STATES].sort()).toEqual([...QUEUE_STATES].sort());
  });

  it("shows the app pending until a job is succeeded (completed) or dead (failed)", () => {
    expect(Object.fromEntries(QUEUE_STATES.map((state) => [state, appStatusOf(state)]))).toEqual({
      pending: "pending",
      leased: "pending",
      retry_scheduled: "pending",
      succeeded: "completed",
      dead: "failed",
    });
    expect(new Set(QUEUE_STATES.map(appStatusOf))).toEqual(new Set(APP_SYNC_STATUSES));
  });
});
