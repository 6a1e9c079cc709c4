import { describe, expect, it, vi } from "vitest";
import { wakeSignal } from "./wake-signal.js";

describe("wakeSignal", () => {
  it("ends a wait at the first wake-up, or after its time", async () => {
    vi.useFakeTimers();
    try {
      const signal = wakeSignal();
      let woke = false;
      void signal.wait(10_000).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(9_999);
      expect(woke).toBe(false);
      signal.wake();
      await vi.advanceTimersByTimeAsync(0);
      expect(woke).toBe(true);

      let timedOut = false;
      void signal.wait(100).then(() => {
        timedOut = true;
      });
      await vi.advanceTimersByTimeAsync(100);
      expect(timedOut).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps a wake-up that came while nobody waited, once", async () => {
    vi.useFakeTimers();
    try {
      const signal = wakeSignal();
      signal.wake();
      let first = false;
      let second = false;
      void signal.wait(10_000).then(() => {
        first = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(first).toBe(true);
      void signal.wait(10_000).then(() => {
        second = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(second).toBe(false);
      signal.wake();
      await vi.advanceTimersByTimeAsync(0);
      expect(second).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
