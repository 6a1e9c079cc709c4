/**
 * A failure of the queue store (PostgreSQL), as opposed to one of EHRbase. The engine must never
 * classify a store error as an EHRbase outcome: a refused or lost status write after a delivery is
 * not a reason to send the note again. Errors the store throws are marked here and rethrown by the
 * engine untouched, so the adapter leaves the job to lease rescue (which reconciles before resending).
 */
import type { QueueStore } from "./ports.js";

const STORE_FAILURE = Symbol.for("ehr-sync.store-failure");

export class StoreFailure extends Error {
  readonly [STORE_FAILURE] = true;
  constructor(override readonly cause: unknown) {
    super(`queue store failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StoreFailure";
  }
}

/** Works across copies of this package (a brand, not instanceof). */
export function isStoreFailure(error: unknown): error is StoreFailure {
  return (
    typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[STORE_FAILURE] === true
  );
}

const STORE_METHODS = [
  "recordAttempt",
  "complete",
  "reschedule",
  "bury",
  "pauseDestination",
  "release",
  "ehrIdFor",
  "rememberEhr",
] as const satisfies readonly (keyof QueueStore)[];

/** The same store, with every rejection marked as a StoreFailure (idempotent). */
export function guardStore(store: QueueStore): QueueStore {
  if ((store as { [STORE_FAILURE]?: true })[STORE_FAILURE]) return store;
  const guarded: Record<string | symbol, unknown> = { [STORE_FAILURE]: true };
  for (const key of STORE_METHODS) {
    const method = store[key] as (...a: unknown[]) => Promise<unknown>;
    guarded[key] = async (...args: unknown[]) => {
      try {
        return await method.apply(store, args);
      } catch (error) {
        throw isStoreFailure(error) ? error : new StoreFailure(error);
      }
    };
  }
  return guarded as unknown as QueueStore;
}
