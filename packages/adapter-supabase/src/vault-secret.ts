/**
 * Reads the shared secret the cron job and the doorbell send, from Supabase Vault, through the
 * function's own database connection. Cached briefly so a burst of requests costs one query, and
 * re-read after the cache expires so rotating the secret in Vault needs no redeploy.
 */

export type SecretQuery = (name: string) => Promise<string | undefined>;

export function cachedVaultSecret(
  query: SecretQuery,
  name: string,
  ttlMs = 30_000,
  now: () => number = () => Date.now(),
): () => Promise<string | undefined> {
  let cached: { value: string | undefined; at: number } | undefined;
  let inFlight: Promise<string | undefined> | undefined;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.value;
    inFlight ??= query(name)
      .then((value) => {
        cached = { value, at: now() };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
