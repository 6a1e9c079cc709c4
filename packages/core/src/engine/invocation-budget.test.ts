import { describe, expect, it } from "vitest";
import {
  type BudgetClock,
  type BudgetOptions,
  InvocationBudget,
  validateBudgetOptions,
} from "./invocation-budget.js";

const options: BudgetOptions = {
  wallClockBudgetMs: 150_000,
  safetyMarginMs: 10_000,
  cpuBudgetMs: 2_000,
  maxBatchSize: 50,
  initialItemWallMs: 1_000,
  initialItemCpuMs: 20,
};

function fakeClock(): BudgetClock & { wall: number; cpu: number | undefined } {
  const clock = {
    wall: 0,
    cpu: 0 as number | undefined,
    nowMs: () => clock.wall,
    cpuMs: () => clock.cpu,
  };
  return clock;
}

describe("InvocationBudget", () => {
  it("puts the deadline at start + budget - safety margin", () => {
    const clock = fakeClock();
    clock.wall = 500;
    const budget = new InvocationBudget(options, clock);
    expect(budget.deadlineMs).toBe(500 + 150_000 - 10_000);
    expect(budget.remainingMs()).toBe(140_000);
  });

  it("sizes a batch to the time left divided by the observed per-item time", () => {
    const clock = fakeClock();
    clock.cpu = undefined;
    const budget = new InvocationBudget({ ...options, maxBatchSize: 1_000 }, clock);
    // nothing measured yet: one probe item per worker
    expect(budget.nextBatchSize()).toBe(1);
    expect(budget.nextBatchSize(3)).toBe(3);
    budget.recordItem(7_000, 10);
    // the first measurement replaces the assumption entirely
    expect(budget.nextBatchSize()).toBe(20);
    expect(budget.nextBatchSize(4)).toBe(80);
    clock.wall = 133_000;
    expect(budget.nextBatchSize()).toBe(1);
    clock.wall = 134_000;
    expect(budget.nextBatchSize()).toBe(0);
  });

  it("caps a batch by the CPU allowance left and by maxBatchSize", () => {
    const clock = fakeClock();
    const budget = new InvocationBudget({ ...options, initialItemWallMs: 10 }, clock);
    budget.recordItem(10, 1);
    expect(budget.nextBatchSize()).toBe(50);
    const cpuHeavy = new InvocationBudget({ ...options, initialItemWallMs: 10 }, clock);
    cpuHeavy.recordItem(10, 100);
    expect(cpuHeavy.nextBatchSize()).toBe(20);
    clock.cpu = 1_950;
    expect(cpuHeavy.nextBatchSize()).toBe(0);
  });

  it("ignores the CPU cap where the runtime cannot measure CPU", () => {
    const clock = fakeClock();
    clock.cpu = undefined;
    const budget = new InvocationBudget(
      { ...options, initialItemWallMs: 10, initialItemCpuMs: 10_000 },
      clock,
    );
    budget.recordItem(10);
    expect(budget.nextBatchSize()).toBe(50);
  });

  it("never grants a lease longer than the time left", () => {
    const clock = fakeClock();
    const budget = new InvocationBudget(options, clock);
    expect(budget.leaseSecondsNow()).toBe(140);
    clock.wall = 139_500;
    expect(budget.leaseSecondsNow()).toBe(0);
    clock.wall = 200_000;
    expect(budget.remainingMs()).toBe(0);
  });
});

describe("validateBudgetOptions", () => {
  it("names the offending field", () => {
    expect(() => validateBudgetOptions({ ...options, wallClockBudgetMs: 0 })).toThrow(
      /budget.wallClockBudgetMs/,
    );
    expect(() => validateBudgetOptions({ ...options, safetyMarginMs: -1 })).toThrow(/budget.safetyMarginMs/);
    expect(() => validateBudgetOptions({ ...options, safetyMarginMs: 150_000 })).toThrow(/smaller/);
    expect(() => validateBudgetOptions({ ...options, maxBatchSize: 2.5 })).toThrow(/budget.maxBatchSize/);
  });
});
