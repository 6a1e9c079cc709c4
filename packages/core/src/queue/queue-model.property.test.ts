/**
 * Model-based property test: random interleavings of enqueue, claim, attempt outcomes, release,
 * lease rescue, operator requeue and clock advance are driven through the pure Job functions under
 * each ordering policy, checking the queue invariants after every step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RetryPolicy } from "./backoff.js";
import { type AttemptObservation, classifyAttempt } from "./classify-outcome.js";
import { decideAfterAttempt } from "./decide.js";
import {
  applyDecision,
  claimJob,
  createJob,
  type Job,
  releaseJob,
  requeueDeadJob,
  rescueExpiredLease,
  retryBudgetFor,
  supersedeJob,
} from "./job.js";
import { claimableJobs, ORDERING_POLICIES, type OrderingPolicy, onEnqueue } from "./ordering.js";
import { canTransition, isActive, JOB_STATES } from "./states.js";

const POLICY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 4, maxAgeMs: 60_000 };
const LEASE_MS = 1_000;

const observationArb: fc.Arbitrary<AttemptObservation> = fc.oneof(
  fc.constant<AttemptObservation>({ kind: "success", versionUid: "u::n::1" }),
  fc
    .constantFrom(200, 204, 400, 401, 403, 404, 408, 409, 412, 415, 422, 425, 429, 500, 502, 503, 504)
    .chain((status) =>
      fc.record({
        kind: fc.constant("http" as const),
        status: fc.constant(status),
        retryAfterMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
        uidAlreadyExists: fc.boolean(),
      }),
    ),
  fc.record({ kind: fc.constant("timeout" as const), requestSent: fc.boolean() }),
  fc.record({ kind: fc.constant("network" as const), requestSent: fc.boolean() }),
  fc.constant<AttemptObservation>({ kind: "invalid-input", field: "plan", reason: "empty" }),
  fc.constant<AttemptObservation>({ kind: "missing-template", templateId: "soap.v1" }),
);

type Op =
  | { op: "enqueue"; patient: number; note: number }
  | { op: "claim"; pick: number }
  | { op: "outcome"; pick: number; observation: AttemptObservation; random: number }
  | { op: "release"; pick: number }
  | { op: "rescue"; pick: number }
  | { op: "requeue"; pick: number }
  | { op: "tick"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant("enqueue" as const), patient: fc.nat(2), note: fc.nat(2) }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("claim" as const), pick: fc.nat() }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant("outcome" as const),
      pick: fc.nat(),
      observation: observationArb,
      random: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("rescue" as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("requeue" as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 5_000 }) }),
    weight: 2,
  },
);

interface World {
  policy: OrderingPolicy;
  jobs: Map<string, Job>;
  enqueued: number;
  now: number;
  noteVersions: Map<string, number>;
  /** What each job carried when it was enqueued, kept apart from `jobs` so a lost job shows. */
  created: Map<string, Pick<Job, "patientKey" | "noteKey" | "noteVersion" | "sequence">>;
}

function pickOf<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[pick % items.length];
}

/** Replaces a job, asserting the per-transition invariants. */
function replace(w: World, before: Job, after: Job, how: "requeue" | "other"): void {
  expect(after.id).toBe(before.id);
  expect(JOB_STATES).toContain(after.state);
  expect(after.attempts).toBeGreaterThanOrEqual(before.attempts);
  if (after.state !== before.state) expect(canTransition(before.state, after.state)).toBe(true);
  // Terminal states absorb: succeeded never changes; dead only leaves through the operator requeue.
  if (before.state === "succeeded") expect(after.state).toBe("succeeded");
  if (before.state === "dead" && how !== "requeue") expect(after.state).toBe("dead");
  w.jobs.set(after.id, after);
}

function assertClaimRespectsOrdering(w: World, claimed: Job): void {
  const olderActive = [...w.jobs.values()].filter(
    (o) =>
      o.id !== claimed.id &&
      o.patientKey === claimed.patientKey &&
      o.sequence < claimed.sequence &&
      isActive(o.state),
  );
  if (w.policy === "strict") expect(olderActive).toEqual([]);
  if (w.policy === "supersede") expect(olderActive.filter((o) => o.noteKey === claimed.noteKey)).toEqual([]);
}

function enqueue(w: World, patient: number, note: number): void {
  const noteKey = `p${patient}-n${note}`;
  const version = (w.noteVersions.get(noteKey) ?? 0) + 1;
  w.noteVersions.set(noteKey, version);
  w.enqueued += 1;
  const job = createJob({
    id: `j${w.enqueued}`,
    patientKey: `p${patient}`,
    noteKey,
    noteVersion: version,
    sequence: w.enqueued,
    now: w.now,
  });
  const sameNote = [...w.jobs.values()].filter((j) => j.noteKey === noteKey);
  w.jobs.set(job.id, job);
  w.created.set(job.id, {
    patientKey: job.patientKey,
    noteKey,
    noteVersion: version,
    sequence: job.sequence,
  });
  const decision = onEnqueue(sameNote, job, w.policy);
  if (decision.type === "supersede") {
    for (const id of decision.jobIds) {
      const old = w.jobs.get(id);
      if (!old) throw new Error(`supersede named unknown job ${id}`);
      expect(old.state === "pending" || old.state === "retry_scheduled").toBe(true);
      replace(w, old, supersedeJob(old, decision.supersededBy, w.now), "other");
    }
    // No content is lost: the job that supersedes is a same-or-newer version of the same note, still active.
    const carrier = w.jobs.get(decision.supersededBy);
    expect(carrier?.noteKey).toBe(noteKey);
    expect(carrier && isActive(carrier.state)).toBe(true);
  }
}

function step(w: World, op: Op): void {
  const all = [...w.jobs.values()];
  const leased = all.filter((j) => j.state === "leased");
  switch (op.op) {
    case "enqueue":
      enqueue(w, op.patient, op.note);
      return;
    case "claim": {
      const job = pickOf(claimableJobs(all, w.policy, w.now), op.pick);
      if (!job) return;
      assertClaimRespectsOrdering(w, job);
      replace(w, job, claimJob(job, w.now, `lease-${job.id}-${w.now}`, LEASE_MS), "other");
      return;
    }
    case "outcome": {
      const job = pickOf(leased, op.pick);
      if (!job) return;
      const decision = decideAfterAttempt({
        ...retryBudgetFor(job),
        now: w.now,
        classification: classifyAttempt(op.observation),
        policy: POLICY,
        random: () => op.random,
      });
      const next = applyDecision(job, decision, w.now);
      replace(w, job, next, "other");
      // Systemic pauses spend no attempt; every other outcome spends exactly one.
      expect(next.attempts).toBe(job.attempts + (decision.type === "pause-destination" ? 0 : 1));
      if (decision.type === "retry" || decision.type === "pause-destination") {
        expect(decision.delayMs).toBeGreaterThanOrEqual(0);
        expect(decision.delayMs).toBeLessThanOrEqual(POLICY.maxDelayMs);
      }
      return;
    }
    case "release": {
      const job = pickOf(leased, op.pick);
      if (job) replace(w, job, releaseJob(job, w.now), "other");
      return;
    }
    case "rescue": {
      const job = pickOf(
        leased.filter((j) => (j.leaseExpiresAt ?? 0) <= w.now),
        op.pick,
      );
      if (job) replace(w, job, rescueExpiredLease(job, w.now), "other");
      return;
    }
    case "requeue": {
      const job = pickOf(
        all.filter((j) => j.state === "dead"),
        op.pick,
      );
      if (job) replace(w, job, requeueDeadJob(job, w.now), "requeue");
      return;
    }
    case "tick":
      w.now += op.ms;
      return;
  }
}

/**
 * No job disappears: every job ever enqueued is still in the queue in a known state and still carries
 * the note version it was enqueued for (a transition that rewrote it would lose that version).
 */
function assertNoJobLost(w: World): void {
  expect(w.created.size).toBe(w.enqueued);
  for (const [id, carried] of w.created) {
    const job = w.jobs.get(id);
    expect(job, `job ${id}`).toBeDefined();
    expect(JOB_STATES).toContain(job?.state);
    expect({
      patientKey: job?.patientKey,
      noteKey: job?.noteKey,
      noteVersion: job?.noteVersion,
      sequence: job?.sequence,
    }).toEqual(carried);
  }
}

/** After the chaos, a healthy destination drains everything: ordering never blocks forever. */
function drain(w: World): void {
  for (let i = 0; i < 10_000; i++) {
    const all = [...w.jobs.values()];
    for (const j of all.filter((x) => x.state === "leased")) {
      replace(w, j, applyDecision(j, { type: "complete" }, w.now), "other");
    }
    const next = claimableJobs([...w.jobs.values()], w.policy, w.now)[0];
    if (next) {
      assertClaimRespectsOrdering(w, next);
      replace(w, next, claimJob(next, w.now, `drain-${next.id}`, LEASE_MS), "other");
      continue;
    }
    if (![...w.jobs.values()].some((j) => isActive(j.state))) return;
    w.now += POLICY.maxDelayMs; // everything waiting is due after at most one max delay
  }
  throw new Error("queue did not drain");
}

describe.each(ORDERING_POLICIES)("queue model under %s ordering", (policy) => {
  it("never loses a job, attempts never decrease, terminal states absorb, ordering holds, and it drains", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const w: World = {
          policy,
          jobs: new Map(),
          enqueued: 0,
          now: 1_700_000_000_000,
          noteVersions: new Map(),
          created: new Map(),
        };
        for (const op of ops) {
          step(w, op);
          assertNoJobLost(w);
        }
        drain(w);
        assertNoJobLost(w);
        for (const j of w.jobs.values()) {
          expect(j.state === "succeeded" || j.state === "dead").toBe(true);
          if (j.supersededBy !== undefined) expect(w.jobs.get(j.supersededBy)?.noteKey).toBe(j.noteKey);
        }
        if (policy === "supersede") {
          // Every note's latest version is delivered or visibly dead, never superseded.
          for (const [noteKey, version] of w.noteVersions) {
            const latest = [...w.jobs.values()].find(
              (j) => j.noteKey === noteKey && j.noteVersion === version,
            );
            expect(latest?.supersededBy).toBeUndefined();
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
