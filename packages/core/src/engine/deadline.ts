/**
 * One AbortSignal per invocation that fires at the deadline. Every EHRbase request made during the
 * invocation is tied to it, so a slow EHRbase cannot keep the function running past its budget.
 */

export interface Deadline {
  signal: AbortSignal;
  /** Resolves when the deadline passes (never rejects). */
  reached: Promise<void>;
  /** Stops the timer once the invocation is over. */
  dispose(): void;
}

export function deadlineAfter(ms: number): Deadline {
  const controller = new AbortController();
  let resolveReached: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    resolveReached = resolve;
  });
  const timer = setTimeout(
    () => {
      controller.abort(new DeadlineReachedError());
      resolveReached();
    },
    Math.max(0, ms),
  );
  return {
    signal: controller.signal,
    reached,
    dispose: () => clearTimeout(timer),
  };
}

export class DeadlineReachedError extends Error {
  constructor() {
    super("the invocation's wall-clock budget is used up");
    this.name = "DeadlineReachedError";
  }
}

/** A fetch whose requests are all cancelled when `signal` fires (in addition to their own signals). */
export function fetchBoundTo(signal: AbortSignal, baseFetch: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const own = init?.signal;
    const combined = own ? AbortSignal.any([own, signal]) : signal;
    return baseFetch(input, { ...init, signal: combined });
  };
}
