/**
 * Keeps the leases a worker holds alive, from the claim on (jobs claimed ahead included), by renewing
 * each every third of its length. Plain setTimeout, so core stays runnable in Deno.
 */
import type { QueueJob } from "./ports.js";

export interface LeaseHeartbeats {
  hold(job: QueueJob): void;
  drop(job: QueueJob): void;
  dropAll(): void;
}

export function leaseHeartbeats(
  /** Renews the lease; `false` means it was lost to another worker. */
  renew: (job: QueueJob) => Promise<boolean>,
  leaseSeconds: number,
  onLost: (job: QueueJob) => void,
): LeaseHeartbeats {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const everyMs = (leaseSeconds * 1000) / 3;
  const schedule = (job: QueueJob) => {
    timers.set(
      job.id,
      setTimeout(() => {
        schedule(job);
        // A failed renewal is not fatal: the next one may succeed before the lease runs out.
        void renew(job).then(
          (ok) => ok || onLost(job),
          () => {},
        );
      }, everyMs),
    );
  };
  const drop = (job: QueueJob) => {
    clearTimeout(timers.get(job.id));
    timers.delete(job.id);
  };
  return {
    hold: schedule,
    drop,
    dropAll() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
