import { describe, expect, it } from "vitest";
import { cachedVaultSecret, VaultUnavailableError } from "../src/vault-secret.js";

describe("cachedVaultSecret", () => {
  it("reads once per ttl while Vault answers", async () => {
    let clock = 0;
    let reads = 0;
    const read = cachedVaultSecret(
      async () => {
        reads += 1;
        return "key";
      },
      "ehr_sync_function_key",
      { ttlMs: 1_000, now: () => clock },
    );
    for (let i = 0; i < 50; i++) expect(await read()).toBe("key");
    expect(reads).toBe(1);
    clock = 1_000;
    await read();
    expect(reads).toBe(2);
  });

  it("remembers a failed read and backs off, doubling, before asking again", async () => {
    let clock = 0;
    let reads = 0;
    let vaultUp = false;
    const read = cachedVaultSecret(
      async () => {
        reads += 1;
        if (!vaultUp) throw new Error("permission denied for view decrypted_secrets");
        return "key";
      },
      "ehr_sync_function_key",
      { firstBackoffMs: 1_000, maxBackoffMs: 4_000, now: () => clock },
    );
    // 100 requests within the first second: one query.
    for (let i = 0; i < 100; i++) await expect(read()).rejects.toThrow();
    expect(reads).toBe(1);
    await expect(read()).rejects.toBeInstanceOf(VaultUnavailableError);
    clock = 1_000; // backoff over: one more query, which fails; the next backoff is 2 s
    await expect(read()).rejects.toThrow();
    expect(reads).toBe(2);
    clock = 2_999;
    await expect(read()).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(reads).toBe(2);
    clock = 3_000;
    vaultUp = true; // Vault is back: the first read after the backoff succeeds and resets it
    expect(await read()).toBe("key");
    expect(reads).toBe(3);
  });
});
