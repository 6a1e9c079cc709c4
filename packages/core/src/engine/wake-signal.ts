/**
 * Wakes the continuous worker's loop before its poll interval is over: a notification arrived, a slot
 * freed, the worker is stopping. A wake-up that comes while the loop is busy is kept, so the loop's
 * next wait returns at once instead of missing it.
 */
export interface WakeSignal {
  wake(): void;
  /** Resolves after `ms`, or at the first wake-up (one kept from before included). */
  wait(ms: number): Promise<void>;
}

export function wakeSignal(): WakeSignal {
  let requested = false;
  let wakeWaiter: () => void = () => {};
  return {
    wake() {
      requested = true;
      wakeWaiter();
    },
    wait: (ms) =>
      new Promise<void>((resolve) => {
        if (requested) {
          requested = false;
          resolve();
          return;
        }
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeWaiter = () => {};
          requested = false;
          resolve();
        }
        wakeWaiter = done;
      }),
  };
}
