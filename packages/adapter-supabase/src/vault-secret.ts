/**
 * Reads the shared secret the cron job and the doorbell send, from Supabase Vault, through the
 * function's own database connection. Cached briefly so a burst of requests costs one query, and
 * re-read after the cache expires so rotating the secret in Vault needs no redeploy.
 *
 * A failing read is cached too (negative cache), with a backoff that doubles up to `maxBackoffMs`:
 * while Vault cannot be read, a flood of requests with made-up bearers costs a handful of queries,
 * not one each. The first success resets the backoff.
 */

export type SecretQuery = (name: string) => Promise<string | undefined>;

export interface VaultCacheTiming {
  ttlMs?: number;
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export class VaultUnavailableError extends Error {
  constructor() {
    super("the Vault secret could not be read recently; not retrying yet");
    this.name = "VaultUnavailableError";
  }
}

export function cachedVaultSecret(
  query: SecretQuery,
  name: string,
  timing: VaultCacheTiming = {},
): () => Promise<string | undefined> {
  const ttlMs = timing.ttlMs ?? 30_000;
  const firstBackoffMs = timing.firstBackoffMs ?? 1_000;
  const maxBackoffMs = timing.maxBackoffMs ?? 60_000;
  const now = timing.now ?? (() => Date.now());
  let cached: { value: string | undefined; at: number } | undefined;
  let failure: { until: number; backoffMs: number } | undefined;
  let inFlight: Promise<string | undefined> | undefined;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.value;
    if (failure && now() < failure.until) throw new VaultUnavailableError();
    inFlight ??= query(name)
      .then(
        (value) => {
          cached = { value, at: now() };
          failure = undefined;
          return value;
        },
        (error: unknown) => {
          const backoffMs = failure ? Math.min(maxBackoffMs, failure.backoffMs * 2) : firstBackoffMs;
          failure = { until: now() + backoffMs, backoffMs };
          throw error;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
